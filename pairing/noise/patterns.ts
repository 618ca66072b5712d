// The two Noise handshake patterns plushlink uses (Noise spec rev 34, sections 7.5 and 9.4), and
// the one cipher suite. XXpsk3 pairs (both static keys learnt, the psk from CPace authenticates
// them); KK opens every later session between keys each side already stored in its bond.

export type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss' | 'psk';

export interface HandshakePattern {
  readonly name: string;
  /** Pre-message static keys: whose `s` each side knows before the first message. */
  readonly preMessages: { readonly initiator: boolean; readonly responder: boolean };
  /** Messages alternate, starting with the initiator. */
  readonly messages: readonly (readonly Token[])[];
}

export const SUITE = '25519_ChaChaPoly_SHA256';

export const XXpsk3: HandshakePattern = {
  name: 'XXpsk3',
  preMessages: { initiator: false, responder: false },
  messages: [['e'], ['e', 'ee', 's', 'es'], ['s', 'se', 'psk']],
};

export const KK: HandshakePattern = {
  name: 'KK',
  preMessages: { initiator: true, responder: true },
  messages: [
    ['e', 'es', 'ss'],
    ['e', 'ee', 'se'],
  ],
};

export function protocolName(pattern: HandshakePattern): string {
  return `Noise_${pattern.name}_${SUITE}`;
}
