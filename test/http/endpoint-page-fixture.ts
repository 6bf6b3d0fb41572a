// Strings a hostile server (or a careless operator) can put on an endpoint's page: each must stay text.
export const HOSTILE = {
  tool: '<img src=x onerror=alert(1)>',
  detail: '"><script>alert(2)</script>',
  subject: 'CN="><svg onload=alert(3)>',
  issuer: "O='><iframe src=javascript:alert(4)>",
  san: '<b>san</b>.example.com',
  server: '" autofocus onfocus="alert(5)',
  channel: 'ops"><img src=x onerror=alert(6)>',
} as const;
