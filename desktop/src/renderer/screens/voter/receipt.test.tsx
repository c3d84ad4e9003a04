// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { I18nextProvider } from 'react-i18next';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeStation } from '../../../api/fake_station.test-support.ts';
import { setStationApi } from '../../backend/api.ts';
import { createI18n } from '../../i18n/i18n.ts';
import { useStationStore } from '../../state/station_store.ts';
import { useVoterStore } from '../../state/voter_store.ts';
import { Receipt } from './receipt.tsx';

/** The receipt screen promises receipt and count at the public receipt page, and nothing more. */
const CODE = '7Q2M-9K4X-H3TD';

function shown(language: 'fr' | 'en') {
  return render(
    <I18nextProvider i18n={createI18n(language)}>
      <Receipt onDone={() => undefined} />
    </I18nextProvider>,
  );
}

beforeEach(async () => {
  setStationApi(fakeStation());
  await useStationStore.getState().refresh();
  useVoterStore.setState({ phase: 'receipt', receipt: CODE });
});

afterEach(() => {
  cleanup();
  useVoterStore.getState().reset();
});

describe('the receipt screen', () => {
  it('shows the code in groups and says exactly what it proves, with the receipt page’s address (EN)', () => {
    shown('en');
    expect(screen.getByTestId('receipt-code').textContent).toBe(CODE);
    expect(screen.getByTestId('receipt-help').textContent).toBe(
      'This code lets you check, once the polls have closed, that your ballot was received and counted, at https://central.example.org/console/receipt. It does not show your choices, and nobody can find your ballot with it.',
    );
  });

  it('says the same in French, and promises no published list of ballots', () => {
    shown('fr');
    const help = screen.getByTestId('receipt-help').textContent;
    expect(help).toBe(
      'Ce code vous permet de vérifier, après la fermeture des bureaux, que votre bulletin a été reçu et compté, à l’adresse https://central.example.org/console/receipt. Il ne montre pas vos choix, et personne ne peut retrouver votre bulletin avec lui.',
    );
    expect(help).not.toMatch(/liste publiée/);
  });
});
