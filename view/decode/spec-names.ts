// Names for the numbers radio/ defines (HCI opcodes and events, advertising PDU types, LL control
// opcodes), spelt as the Core Specification and Wireshark spell them, made from radio/'s own
// tables so the view names exactly what the controller implements.

const words = (key: string): string[] => key.split(/(?=[A-Z])/);

/** `leSetAdvertisingParameters` → `LE_Set_Advertising_Parameters` (HCI commands and events). */
export function hciName(key: string): string {
  return words(key)
    .map((w, i) => (i === 0 && w === 'le' ? 'LE' : w[0]!.toUpperCase() + w.slice(1)))
    .join('_');
}

/** `phyUpdateInd` → `PHY_UPDATE_IND` (link-layer PDUs), with an optional prefix such as `LL_`. */
export function llName(key: string, prefix = ''): string {
  return prefix + words(key).map((w) => w.toUpperCase()).join('_');
}

/** A table of named numbers turned round: number → name in the given spelling. */
export function namesByValue(table: Readonly<Record<string, number>>, spell: (key: string) => string): ReadonlyMap<number, string> {
  return new Map(Object.entries(table).map(([key, value]) => [value, spell(key)]));
}
