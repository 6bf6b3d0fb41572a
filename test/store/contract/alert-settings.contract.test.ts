// The AlertSettingsStore cases (alert-settings-cases.ts) on every backend.
import { manualClock } from '../helper.ts';
import { runContract } from './backends.ts';
import { ALERT_SETTINGS_CASES, T0 } from './alert-settings-cases.ts';

runContract(ALERT_SETTINGS_CASES, async (handle) => {
  const clock = manualClock(T0);
  return { settings: (await handle.open({ clock: clock.now })).alertSettings, setNow: clock.set };
});
