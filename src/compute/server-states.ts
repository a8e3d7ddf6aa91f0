// Nova's state machine vocabulary (nova/compute/vm_states.py, task_states.py) and the status table
// the API shows (nova/api/openstack/common.py _STATE_MAP).

export const VmState = {
  ACTIVE: 'active',
  BUILDING: 'building',
  PAUSED: 'paused',
  SUSPENDED: 'suspended',
  STOPPED: 'stopped',
  RESCUED: 'rescued',
  RESIZED: 'resized',
  SOFT_DELETED: 'soft-delete',
  DELETED: 'deleted',
  ERROR: 'error',
  SHELVED: 'shelved',
  SHELVED_OFFLOADED: 'shelved_offloaded',
} as const;

export const TaskState = {
  SCHEDULING: 'scheduling',
  NETWORKING: 'networking',
  SPAWNING: 'spawning',
  IMAGE_SNAPSHOT: 'image_snapshot',
  IMAGE_BACKUP: 'image_backup',
  IMAGE_SNAPSHOT_PENDING: 'image_snapshot_pending',
  IMAGE_PENDING_UPLOAD: 'image_pending_upload',
  IMAGE_UPLOADING: 'image_uploading',
  REBOOTING: 'rebooting',
  REBOOT_PENDING: 'reboot_pending',
  REBOOT_STARTED: 'reboot_started',
  REBOOTING_HARD: 'rebooting_hard',
  REBOOT_PENDING_HARD: 'reboot_pending_hard',
  REBOOT_STARTED_HARD: 'reboot_started_hard',
  PAUSING: 'pausing',
  UNPAUSING: 'unpausing',
  SUSPENDING: 'suspending',
  RESUMING: 'resuming',
  POWERING_OFF: 'powering-off',
  POWERING_ON: 'powering-on',
  REBUILDING: 'rebuilding',
  REBUILD_SPAWNING: 'rebuild_spawning',
  DELETING: 'deleting',
} as const;

const DEFAULT = 'default';

/** vm_state → task_state → status, as Nova's _STATE_MAP. */
const STATE_MAP: Record<string, Record<string, string>> = {
  [VmState.ACTIVE]: {
    [DEFAULT]: 'ACTIVE',
    [TaskState.REBOOTING]: 'REBOOT',
    [TaskState.REBOOT_PENDING]: 'REBOOT',
    [TaskState.REBOOT_STARTED]: 'REBOOT',
    [TaskState.REBOOTING_HARD]: 'HARD_REBOOT',
    [TaskState.REBOOT_PENDING_HARD]: 'HARD_REBOOT',
    [TaskState.REBOOT_STARTED_HARD]: 'HARD_REBOOT',
    [TaskState.REBUILDING]: 'REBUILD',
    [TaskState.REBUILD_SPAWNING]: 'REBUILD',
    migrating: 'MIGRATING',
    resize_prep: 'RESIZE',
    resize_migrating: 'RESIZE',
    resize_migrated: 'RESIZE',
    resize_finish: 'RESIZE',
  },
  [VmState.BUILDING]: { [DEFAULT]: 'BUILD' },
  [VmState.STOPPED]: { [DEFAULT]: 'SHUTOFF', resize_prep: 'RESIZE', rebuilding: 'REBUILD', rebuild_spawning: 'REBUILD' },
  [VmState.RESIZED]: { [DEFAULT]: 'VERIFY_RESIZE' },
  [VmState.PAUSED]: { [DEFAULT]: 'PAUSED', migrating: 'MIGRATING' },
  [VmState.SUSPENDED]: { [DEFAULT]: 'SUSPENDED' },
  [VmState.RESCUED]: { [DEFAULT]: 'RESCUE' },
  [VmState.ERROR]: { [DEFAULT]: 'ERROR', [TaskState.REBUILDING]: 'REBUILD' },
  [VmState.DELETED]: { [DEFAULT]: 'DELETED' },
  [VmState.SOFT_DELETED]: { [DEFAULT]: 'SOFT_DELETED' },
  [VmState.SHELVED]: { [DEFAULT]: 'SHELVED' },
  [VmState.SHELVED_OFFLOADED]: { [DEFAULT]: 'SHELVED_OFFLOADED' },
};

export function statusOf(vmState: string, taskState: string | null): string {
  const byTask = STATE_MAP[vmState];
  if (!byTask) return 'UNKNOWN';
  return (taskState && byTask[taskState]) || byTask[DEFAULT];
}

/** The vm_states (and task_states) a status filter selects (Nova's status_to_states). */
export function statesOfStatus(status: string): { vmStates: string[]; taskStates?: Array<string | null> } | undefined {
  const s = status.toUpperCase();
  const vmStates: string[] = [];
  const taskStates = new Set<string | null>();
  let anyDefault = false;
  for (const [vm, byTask] of Object.entries(STATE_MAP)) {
    for (const [task, st] of Object.entries(byTask)) {
      if (st !== s) continue;
      if (!vmStates.includes(vm)) vmStates.push(vm);
      if (task === DEFAULT) anyDefault = true;
      else taskStates.add(task);
    }
  }
  if (vmStates.length === 0) return undefined;
  if (anyDefault) {
    // ACTIVE means vm_state active with no task that changes the status.
    if (s === 'ACTIVE') {
      const excluded = Object.keys(STATE_MAP[VmState.ACTIVE]).filter((t) => t !== DEFAULT);
      return { vmStates, taskStates: [null, ...Object.values(TaskState).filter((t) => !excluded.includes(t))] };
    }
    return { vmStates };
  }
  return { vmStates, taskStates: [...taskStates] };
}

export const VALID_STATUSES = ['ACTIVE', 'BUILD', 'DELETED', 'ERROR', 'HARD_REBOOT', 'MIGRATING', 'PASSWORD', 'PAUSED', 'REBOOT', 'REBUILD', 'RESCUE', 'RESIZE', 'REVERT_RESIZE', 'SHELVED', 'SHELVED_OFFLOADED', 'SHUTOFF', 'SOFT_DELETED', 'SUSPENDED', 'UNKNOWN', 'VERIFY_RESIZE'];
