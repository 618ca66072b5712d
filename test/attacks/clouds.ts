// The clouds the breach runs against: the legacy CloudPets cloud, and the family relay on SQLite
// (always) and on PostgreSQL (when the test database answers; under CI it must).
import { postgresReachable } from '../relay/relay-harness';
import type { CloudKind, CloudTarget } from './cloud-target';
import { legacyCloudTarget } from './legacy-cloud-target';
import { relayCloudTarget } from './relay-cloud-target';

export const CLOUDS: readonly CloudKind[] = ['legacy', 'relay-sqlite', 'relay-postgres'];

export const CLOUD_LABELS: Record<CloudKind, string> = {
  legacy: 'legacy CloudPets cloud',
  'relay-sqlite': 'plushlink relay (SQLite)',
  'relay-postgres': 'plushlink relay (PostgreSQL)',
};

/** Whether a cloud can run here (PostgreSQL may be unreachable outside CI). */
export async function cloudAvailable(kind: CloudKind): Promise<boolean> {
  return kind !== 'relay-postgres' || postgresReachable();
}

export function createCloudTarget(kind: CloudKind, seed = 7): Promise<CloudTarget> {
  return kind === 'legacy' ? legacyCloudTarget(seed) : relayCloudTarget(kind === 'relay-sqlite' ? 'sqlite' : 'postgres', seed);
}
