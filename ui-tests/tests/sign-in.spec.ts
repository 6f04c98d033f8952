import { expect, test } from '@jupyterlab/galata';
import { cryoprotectServer, expectNoPageErrors, watchErrors } from './kernel';

// Sign in to the CryoProtect server from JupyterLab: a wrong password is refused with the
// server's reason; the right one gives a token that the extension uses from then on (kept in the
// user's settings, never in a notebook); Sign Out revokes it on the server.

const USER = process.env.CRYOPROTECT_UI_USERNAME ?? 'ada';
const PASSWORD = process.env.CRYOPROTECT_UI_PASSWORD ?? '';

test('sign in with a password, use the token, sign out and the token is revoked', async ({
  page
}) => {
  watchErrors(page);
  const signIn = async (password: string) => {
    await page.menu.clickMenuItem('CryoProtect>Sign In to Server…');
    const dialog = page.locator('.jp-Dialog', { hasText: 'Sign in to CryoProtect' });
    await dialog.locator('input[name="username"]').fill(USER);
    await dialog.locator('input[name="password"]').fill(password);
    await dialog.getByRole('button', { name: 'Sign in' }).click();
  };

  await signIn('');
  const empty = page.locator('.jp-Dialog', { hasText: 'sign-in failed' });
  await expect(empty).toContainText('give your password: nothing was sent');
  await empty.getByRole('button', { name: 'Close' }).click();

  await signIn('not the password');
  const failed = page.locator('.jp-Dialog', { hasText: 'sign-in failed' });
  await expect(failed).toContainText('wrong username or password');
  await failed.getByRole('button', { name: 'Close' }).click();

  await signIn(PASSWORD);
  const done = page.locator('.jp-Dialog', { hasText: 'Signed in' });
  await expect(done).toContainText(`as ${USER}`);
  await done.getByRole('button', { name: /ok/i }).click();

  // The editor now asks the server as the new user: a reference molecule is public, not theirs.
  await page.menu.clickMenuItem('CryoProtect>New Molecule Editor');
  const editor = page.locator('.jp-cryoprotect-Editor');
  await editor.locator('.jp-cryoprotect-Editor-structure').fill('OCC(O)CO');
  await expect(editor.locator('.jp-cryoprotect-Editor-registration')).toContainText(
    'owned by another user; public: everyone may see it'
  );

  // The token sits in the user's settings; Sign Out revokes it there and on the server.
  const settings = await page.evaluate(async () => {
    const response = await fetch('/lab/api/settings/@cryoprotect/jupyterlab:connection');
    return (await response.json()).settings as { token: string; tokenId: string };
  });
  expect(settings.token).toMatch(/\S{20,}/);
  await page.menu.clickMenuItem('CryoProtect>Sign Out');
  const server = (await cryoprotectServer(page)).url;
  await expect
    .poll(async () =>
      (
        await page.request.get(`${server}/api/users/me`, {
          headers: { authorization: `Bearer ${settings.token}` }
        })
      ).status()
    )
    .toBe(401);
  expectNoPageErrors(page);
});
