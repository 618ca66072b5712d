// The family `plushlink demo` tells about, in one place: who they are, what each one says, and
// what an account-based cloud would have asked them for. The story uses these labels and voices;
// the breach gives the legacy cloud exactly these facts; test/cli/demo-breach.test.ts scans the
// relay's dump for every string here (so a fact added here is checked without touching the test).
export interface DemoPerson {
  /** What the toy calls this person's phone (a bond label: on the toy and the phones only). */
  readonly label: string;
  readonly name: string;
  readonly email: string;
  /** What they would have typed into CloudPets' sign-up form (no strength rule there). */
  readonly password: string;
  /** Their relationship to the child, as CloudPets' "friends" list kept it. */
  readonly relation: string;
  /** Their voice message. */
  readonly says: string;
  /** A second message, when they send one. */
  readonly alsoSays?: string;
}

export interface DemoFamily {
  readonly child: { readonly name: string; readonly birthdate: string; readonly toy: string; readonly says: string };
  /** The toy's owner: pairs with the tag code, at home with the toy. */
  readonly parent: DemoPerson;
  /** Visits and pairs in Bluetooth range with an invitation code. */
  readonly grandma: DemoPerson;
  /** Lives far away: joins by a remote invitation over the relay. */
  readonly granny: DemoPerson;
}

export const DEMO_FAMILY: DemoFamily = {
  child: { name: 'Lily Miller', birthdate: '2013-05-04', toy: 'Bentley the Bear', says: 'I love you too. Good night!' },
  parent: { label: 'Parent', name: 'Sarah Miller', email: 'sarah.miller@example.com', password: 'qwe', relation: 'parent', says: 'Good night, little bear. Sleep tight.' },
  grandma: {
    label: 'Grandma',
    name: 'Margaret Miller',
    email: 'maggie.miller@example.com',
    password: 'lily2013',
    relation: 'grandmother',
    says: 'Hello sweetheart, it is grandma. See you on Sunday!',
  },
  granny: {
    label: 'Granny',
    name: 'Rose Hughes',
    email: 'rose.hughes@example.com',
    password: 'a',
    relation: 'grandmother (far away)',
    says: 'Hello Lily, it is Granny Rose, far away. I miss you!',
    alsoSays: 'Good morning, Lily! Have a lovely day at school.',
  },
};

export const DEMO_PEOPLE = (family: DemoFamily): readonly DemoPerson[] => [family.parent, family.grandma, family.granny];

/** What an account-based cloud asks a family for: names, e-mails, relationships, the child's birthdate and toy. */
export function accountFacts(family: DemoFamily): string[] {
  return [...DEMO_PEOPLE(family).flatMap((p) => [p.name, p.email, p.relation]), family.child.name, family.child.birthdate, family.child.toy];
}

/**
 * Every string the family put into the story (labels, names, e-mails, relationships, the child's
 * name, birthdate and toy, the words of each message), passwords excepted: nowhere does anyone
 * keep those as text, only a cloud's hashes of them.
 */
export function familyStrings(family: DemoFamily): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      if (key !== 'password') found.push(value);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(family, '');
  return [...new Set(found)];
}
