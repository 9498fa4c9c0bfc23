// The company's OpenID Connect provider for tests/oauth/test_oidc_login.py: panva's oidc-provider
// (a certified implementation nobody here wrote) with its built-in login and consent pages.
//
//   node provider.mjs PORT CONFIG.json
//
// CONFIG: {"client_id", "client_secret", "redirect_uris": [...], "people": {"login": {"email", "name"}}}
// The built-in login page takes any login name; the claims come from `people`.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const [port, configPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: config.redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email', 'email_verified'],
  },
  cookies: { keys: ['flurfunk-oidc-test-cookie-key'] },
  async findAccount(ctx, id) {
    const person = config.people[id] ?? {};
    return {
      accountId: id,
      async claims() {
        return {
          sub: `employee-${id}`,
          preferred_username: id,
          name: person.name ?? id,
          email: person.email,
          email_verified: Boolean(person.email),
        };
      },
    };
  },
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc provider listening on ${issuer}`);
});
