// What both backends' createToken share: the role and owner a new token gets.
import type { TokenGrant } from './store.ts';

/** Without a grant, the pre-accounts meaning: read-only → viewer, full → admin, no owner. */
export function grantOf(readOnly: boolean, grant: TokenGrant | undefined): TokenGrant {
  return grant ?? { role: readOnly ? 'viewer' : 'admin', ownerUserId: null };
}
