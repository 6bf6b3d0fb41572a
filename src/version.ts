// Kept in step with package.json by test/version.test.ts; a JSON import would pull package.json into dist/.
export const MCPWATCH_VERSION = '0.1.0';
export const CLIENT_INFO = { name: 'mcpwatch', version: MCPWATCH_VERSION } as const;
