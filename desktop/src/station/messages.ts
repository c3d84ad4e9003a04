import { assertNever, describeBallotError, oneFullStop, type NasError, type VoterCodeError } from '@scrutin/shared';
import type { Bilingual, StationError, StationProblem } from '../api/station_api.ts';
import type { SyncProblem } from './sync_engine.ts';

/**
 * The words of every station error, in French and English, for the poll worker (or the
 * technician) who must act on it: what happened and what to do next.
 */
export function stationError(problem: StationProblem): StationError {
  return { ...problem, message: describeStationProblem(problem) };
}

/**
 * A time for the poll worker, in the station's local time zone, never an ISO string: "14 h 05"
 * and "2:05 p.m." (with the date when it is not today).
 */
export function localTime(iso: string, now: number = Date.now()): Bilingual {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return { fr: iso, en: iso };
  const sameDay = new Date(now).toDateString() === at.toDateString();
  const options: Intl.DateTimeFormatOptions = sameDay
    ? { hour: 'numeric', minute: '2-digit' }
    : { day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit' };
  return { fr: at.toLocaleString('fr-CA', options), en: at.toLocaleString('en-CA', options) };
}

const ordinalFr = (n: number) => (n === 1 ? '1er' : `${n}e`);
const ordinalEn = (n: number) => {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th'}`;
};

/** Why a kit on a drive is not loaded, whatever it holds (src/station/kit_drives.ts). */
function describeUnsafeKit(reason: string, file: string): Bilingual {
  switch (reason) {
    case 'link':
      return {
        fr: `Trousse refusée : « ${file} » est un lien, pas un fichier de la clé. Demandez une nouvelle trousse.`,
        en: `Kit refused: "${file}" is a link, not a file on the drive. Ask for a new kit.`,
      };
    case 'outside-drive':
      return {
        fr: `Trousse refusée : « ${file} » n’est pas sur la clé USB. Demandez une nouvelle trousse.`,
        en: `Kit refused: "${file}" is not on the USB drive. Ask for a new kit.`,
      };
    case 'too-large':
      return {
        fr: `Trousse refusée : « ${file} » est bien trop volumineux pour une trousse. Demandez une nouvelle trousse.`,
        en: `Kit refused: "${file}" is far too large for a kit. Ask for a new kit.`,
      };
    case 'too-many-files':
      return {
        fr: `Trousse refusée : « ${file} » contient bien trop de fichiers pour une trousse. Demandez une nouvelle trousse.`,
        en: `Kit refused: "${file}" holds far too many files for a kit. Ask for a new kit.`,
      };
    default:
      return {
        fr: `Trousse refusée : « ${file} » n’est pas un fichier ordinaire. Demandez une nouvelle trousse.`,
        en: `Kit refused: "${file}" is not a plain file. Ask for a new kit.`,
      };
  }
}

function describeNas(e: NasError): Bilingual {
  switch (e.kind) {
    case 'wrong-length':
      return {
        fr: `Le NAS a ${e.length} chiffres au lieu de 9. Vérifiez la saisie.`,
        en: `The SIN has ${e.length} digits instead of 9. Check what was typed.`,
      };
    case 'invalid-character':
      return {
        fr: `Le ${ordinalFr(e.position)} caractère du NAS («\u202f${e.char}\u202f») n’est pas un chiffre.`,
        en: `The ${ordinalEn(e.position)} character of the SIN ("${e.char}") is not a digit.`,
      };
    case 'check-failed':
      return {
        fr: 'Le NAS contient une faute de frappe (chiffre de contrôle). Saisissez-le de nouveau.',
        en: 'The SIN has a typo (its check digit does not match). Type it again.',
      };
    default:
      return assertNever(e, 'NAS error');
  }
}

function describeCode(e: VoterCodeError): Bilingual {
  switch (e.kind) {
    case 'wrong-length':
      return {
        fr: `Le code a ${e.length} caractères au lieu de 13. Vérifiez la carte.`,
        en: `The code has ${e.length} characters instead of 13. Check the card.`,
      };
    case 'invalid-character':
      return {
        fr: `Le ${ordinalFr(e.position)} caractère du code («\u202f${e.char}\u202f») n’existe pas sur les cartes. Vérifiez la saisie.`,
        en: `The ${ordinalEn(e.position)} character of the code ("${e.char}") does not exist on cards. Check what was typed.`,
      };
    case 'check-failed':
      return {
        fr: 'Le code contient une faute de frappe (caractère de contrôle). Saisissez-le de nouveau.',
        en: 'The code has a typo (its check character does not match). Type it again.',
      };
    default:
      return assertNever(e, 'voter code error');
  }
}

const ballotsFr = (n: number) => (n === 1 ? '1 bulletin' : `${n} bulletins`);
const ballotsEn = (n: number) => (n === 1 ? '1 ballot' : `${n} ballots`);

export function describeStationProblem(p: StationProblem): Bilingual {
  switch (p.kind) {
    case 'kit-unreadable':
      return {
        fr: `La trousse du bureau est illisible (${p.path}). Vérifiez le support.`,
        en: `The station kit cannot be read (${p.path}). Check the media.`,
      };
    case 'kit-invalid':
      return {
        fr: `La trousse du bureau n’est pas valide\u00a0: ${p.issues.map((i) => `${i.path}\u00a0: ${i.message}`).join('\u202f; ')}. Demandez une nouvelle trousse.`,
        en: `The station kit is not valid: ${p.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}. Ask for a new kit.`,
      };
    case 'kit-shard-tampered':
      return {
        fr: 'La liste des électeurs de la trousse a été modifiée (empreinte différente). N’utilisez pas cette trousse\u202f; avisez le directeur du scrutin.',
        en: 'The kit’s voter list has been altered (its fingerprint differs). Do not use this kit; tell the returning officer.',
      };
    case 'kit-shard-mismatch':
      return {
        fr: `La liste des électeurs ne correspond pas à la trousse (${p.reason}). Demandez une nouvelle trousse.`,
        en: `The voter list does not match the kit (${p.reason}). Ask for a new kit.`,
      };
    case 'kit-audio-tampered':
      return {
        fr: `L’audio de la trousse a été modifié (${p.file}\u00a0: empreinte différente). N’utilisez pas cette trousse\u202f; avisez le directeur du scrutin.`,
        en: `The kit’s audio has been altered (${p.file}: its fingerprint differs). Do not use this kit; tell the returning officer.`,
      };
    case 'kit-audio-invalid':
      return {
        fr: `L’audio de la trousse est incomplet ou illisible (${p.reason}). Demandez une nouvelle trousse.`,
        en: `The kit’s audio is incomplete or unreadable (${p.reason}). Ask for a new kit.`,
      };
    case 'kit-other-election':
      return {
        fr: `Cette trousse est pour l’élection ${p.actual}, pas ${p.expected}.`,
        en: `This kit is for election ${p.actual}, not ${p.expected}.`,
      };
    case 'kit-other-station':
      return {
        fr: `Cette trousse est pour le bureau ${p.actual}, pas ${p.expected}.`,
        en: `This kit is for station ${p.actual}, not ${p.expected}.`,
      };
    case 'kit-locked':
      return {
        fr: 'Le scrutin a déjà été ouvert\u00a0: la trousse ne peut plus être changée.',
        en: 'The polls have already been opened: the kit can no longer be changed.',
      };
    case 'no-kit':
      return {
        fr: 'Aucune trousse n’est chargée. Chargez la trousse du bureau d’abord.',
        en: 'No kit is loaded. Load the station kit first.',
      };
    case 'kit-unsafe':
      return describeUnsafeKit(p.reason, p.file);
    case 'setup-over':
      return {
        fr: 'La trousse est déjà chargée : cette liste ne sert qu’à un poste sans trousse. Pour remplacer la trousse, il faut le NIP d’un membre du personnel.',
        en: 'The kit is already loaded: this list is only for a station without a kit. Replacing the kit takes a poll worker’s PIN.',
      };
    case 'clock-locked':
      return {
        fr: 'Le scrutin a déjà été ouvert : l’horloge ne se règle plus depuis le poste.',
        en: 'The polls have already been opened: the clock can no longer be set from the station.',
      };
    case 'clock-invalid':
      return {
        fr: `L’heure « ${p.at} » n’est pas plausible (avant 2024 ou après 2099). Vérifiez la saisie.`,
        en: `The time "${p.at}" is not plausible (before 2024 or after 2099). Check what was typed.`,
      };
    case 'clock-problem':
      return p.words;
    case 'enrolment-refused':
      switch (p.code) {
        case 'token-expired':
          return {
            fr: 'Ce jeton d’inscription a expiré. Demandez un nouveau jeton au directeur du scrutin.',
            en: 'This enrolment token has expired. Ask the returning officer for a new token.',
          };
        case 'station-already-enrolled':
          return {
            fr: 'Ce bureau est déjà inscrit avec une autre clé. Seul le directeur du scrutin peut révoquer cette clé et remettre un nouveau jeton\u202f; avisez-le.',
            en: 'This station is already enrolled with another key. Only the returning officer can revoke that key and issue a new token; tell them.',
          };
        default:
          return {
            fr: `Le serveur central a refusé l’inscription (${p.code}). Demandez un nouveau jeton au directeur du scrutin.`,
            en: `The central server refused the enrolment (${p.code}). Ask the returning officer for a new token.`,
          };
      }
    case 'central-unreachable':
      return {
        fr: 'Le serveur central ne répond pas. Vérifiez la connexion et réessayez.',
        en: 'The central server does not answer. Check the connection and try again.',
      };
    case 'central-key-mismatch':
      return {
        fr: 'La clé du serveur central ne correspond pas à celle de la trousse. Ne poursuivez pas\u202f; avisez le directeur du scrutin.',
        en: 'The central server’s key does not match the kit’s. Do not go on; tell the returning officer.',
      };
    case 'pin-wrong':
      return { fr: `NIP incorrect. Essais restants\u00a0: ${p.attemptsLeft}.`, en: `Wrong PIN. Attempts left: ${p.attemptsLeft}.` };
    case 'pin-locked': {
      const at = localTime(p.until);
      // "2:05 p.m." ends the sentence: one full stop, not "p.m..".
      return {
        fr: oneFullStop(
          `Trop d’essais de NIP pour ce membre du personnel\u00a0: réessayez après ${at.fr}. Un autre membre du personnel peut utiliser son propre NIP.`,
        ),
        en: oneFullStop(
          `Too many PIN attempts for this staff member: try again after ${at.en}. Another staff member can use their own PIN.`,
        ),
      };
    }
    case 'invalid-transition':
      return {
        fr: `Le scrutin ne peut pas passer de «\u202f${p.from}\u202f» à «\u202f${p.to}\u202f».`,
        en: `The polls cannot go from "${p.from}" to "${p.to}".`,
      };
    case 'voting-window-over':
      return {
        fr: `La période de vote est terminée (${p.closesAt})\u00a0: le scrutin ne peut plus être ouvert.`,
        en: `The voting period is over (${p.closesAt}): the polls can no longer be opened.`,
      };
    case 'polls-not-open':
      return { fr: 'Le scrutin n’est pas ouvert\u00a0: aucun électeur ne peut voter.', en: 'The polls are not open: no one can vote.' };
    case 'outside-voting-window':
      return {
        fr: `Hors de la période de vote (${p.opensAt} – ${p.closesAt}) selon l’horloge du bureau. Vérifiez l’heure.`,
        en: `Outside the voting period (${p.opensAt} – ${p.closesAt}) by the station clock. Check the time.`,
      };
    case 'nas-invalid':
      return describeNas(p.problem);
    case 'code-invalid':
      return describeCode(p.problem);
    case 'unknown-credential':
      return {
        fr: 'Cette carte n’est pas sur la liste de ce bureau. Vérifiez le NAS et le code\u202f; sinon, dirigez l’électeur vers son bureau de vote.',
        en: 'This card is not on this station’s list. Check the SIN and the code; otherwise, direct the voter to their polling station.',
      };
    case 'other-station':
      return {
        fr: `Cette carte est inscrite à un autre bureau de la circonscription\u00a0: ${p.stationName.fr} (${p.station}). Dirigez l’électeur vers ce bureau.`,
        en: `This card belongs to another polling station of the riding: ${p.stationName.en} (${p.station}). Direct the voter to that station.`,
      };
    case 'not-enrolled':
      return {
        fr: 'Le bureau n’est pas encore inscrit auprès du serveur central\u00a0: inscrivez-le avec le jeton reçu du directeur du scrutin.',
        en: 'The station is not enrolled with the central server yet: enrol it with the token from the returning officer.',
      };
    case 'drive-problem':
    case 'printer-problem':
      return p.words;
    case 'export-refused':
      return {
        fr: 'Ce support contient les données du poste\u00a0: l’exportation n’y est pas permise. Choisissez une clé USB dans la liste.',
        en: 'This drive holds the station’s own data: exports may not go there. Choose a USB key from the list.',
      };
    case 'nothing-to-export':
      return p.heldBack === 0
        ? {
            fr: 'Rien à exporter\u00a0: le serveur central a déjà reçu tous les bulletins de ce bureau.',
            en: 'Nothing to export: the central server has already received every ballot of this station.',
          }
        : {
            fr: `Rien à exporter pour l’instant\u00a0: le serveur central a reçu tous les lots, et ${ballotsFr(p.heldBack)} ${p.heldBack === 1 ? 'reste retenu' : 'restent retenus'} jusqu’à la fermeture du scrutin (secret du vote). Exportez après la fermeture si la liaison manque encore.`,
            en: `Nothing to export yet: the central server has received every batch, and ${ballotsEn(p.heldBack)} ${p.heldBack === 1 ? 'is' : 'are'} held back until the polls close (ballot secrecy). Export after closing if the link is still down.`,
          };
    case 'kit-without-export-key':
      return {
        fr: 'La trousse chargée ne contient pas la clé d’exportation du serveur central\u00a0: rien n’est écrit en clair. Demandez une trousse à jour au directeur du scrutin.',
        en: 'The loaded kit has no central export key: nothing is written in clear. Ask the returning officer for a current kit.',
      };
    case 'export-failed':
      return {
        fr: `L’exportation a échoué (${p.detail}). Vérifiez la clé USB et réessayez.`,
        en: `The export failed (${p.detail}). Check the USB key and try again.`,
      };
    case 'test-after-opening':
      return {
        fr: 'Le test de logique et d’exactitude se fait avant l’ouverture du scrutin\u00a0: les bulletins de test ne se mêlent jamais aux vrais.',
        en: 'The logic-and-accuracy test runs before the polls open: test ballots never mix with live ones.',
      };
    case 'polls-not-closed':
      return {
        fr: 'Fermez d’abord le scrutin\u00a0: le rapport de clôture vient après la fermeture.',
        en: 'Close the polls first: the closing report comes after closing.',
      };
    case 'already-voted':
      return {
        fr: 'Cette carte a déjà servi à voter dans ce bureau. Appelez le responsable du bureau.',
        en: 'This card has already been used to vote at this station. Call the station supervisor.',
      };
    case 'unknown-ticket':
      return {
        fr: 'L’inscription de l’électeur n’est plus valide. Inscrivez la carte de nouveau.',
        en: 'The voter’s check-in is no longer valid. Check the card in again.',
      };
    case 'ballot-malformed':
      return { fr: 'Le bulletin est mal formé\u00a0: il n’a pas été déposé.', en: 'The ballot is malformed: it was not cast.' };
    case 'ballot-invalid':
      return {
        fr: `Le bulletin ne correspond pas au bulletin de ce bureau\u00a0: il n’a pas été déposé (${p.problems.length} problème(s)).`,
        en: `The ballot does not fit this station’s ballot: it was not cast (${p.problems.map(describeBallotError).join('; ')}).`,
      };
    default:
      return assertNever(p, 'station problem');
  }
}

/** The words of the sync engine's last problem, for the poll-worker screen. */
export function describeSyncProblem(p: SyncProblem): Bilingual {
  switch (p.kind) {
    case 'unreachable':
      return {
        fr: 'Le serveur central est injoignable\u00a0: les bulletins restent en sécurité dans le bureau et seront transmis plus tard.',
        en: 'The central server cannot be reached: ballots stay safe at the station and will be sent later.',
      };
    case 'server-busy':
      return {
        fr: `Le serveur central est momentanément indisponible (${p.code})\u00a0: nouvel essai automatique.`,
        en: `The central server is temporarily unavailable (${p.code}): it will be tried again automatically.`,
      };
    case 'receipt-invalid':
      return {
        fr: `L’accusé de réception du lot ${p.sequence} n’est pas valide (${p.reason})\u00a0: le lot n’est pas considéré comme transmis. Avisez le soutien technique si cela persiste.`,
        en: `The receipt for batch ${p.sequence} is not valid (${p.reason}): the batch is not taken as sent. Tell technical support if this persists.`,
      };
    case 'refused':
      return p.code === 'sync-deadline-passed'
        ? {
            fr: 'Le délai de transmission est passé\u00a0: exportez les bulletins sur une clé USB pour le directeur du scrutin.',
            en: 'The sync deadline has passed: export the ballots to a USB key for the returning officer.',
          }
        : {
            fr: `Le serveur central refuse les lots de ce bureau (${p.code}). La transmission est arrêtée\u202f; avisez le soutien technique.`,
            en: `The central server refuses this station’s batches (${p.code}). Sync has stopped; tell technical support.`,
          };
    case 'diverged':
      return {
        fr: `Le serveur central détient un lot ${p.sequence} différent de celui du bureau. La transmission est arrêtée\u202f; avisez le directeur du scrutin.`,
        en: `The central server holds a batch ${p.sequence} different from the station’s. Sync has stopped; tell the returning officer.`,
      };
    case 'central-lost':
      return {
        fr: `Le serveur central n’a plus le lot ${p.sequence}, dont il avait pourtant donné le reçu\u00a0: il a sans doute été restauré d’une sauvegarde ancienne. Le bureau ne garde plus ces bulletins (effacés après le reçu). La transmission est arrêtée\u202f; avisez le directeur du scrutin, le reçu en fait foi.`,
        en: `The central server no longer holds batch ${p.sequence}, which it had acknowledged: it was probably restored from an older backup. The station no longer keeps those ballots (deleted after the receipt). Sync has stopped; tell the returning officer — the receipt is the proof.`,
      };
    case 'not-enrolled':
      return {
        fr: 'Le bureau n’est pas inscrit\u00a0: les bulletins attendent l’inscription pour être transmis.',
        en: 'The station is not enrolled: ballots wait for enrolment to be sent.',
      };
    default:
      return assertNever(p, 'sync problem');
  }
}
