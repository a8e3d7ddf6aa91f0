// Keystone's default policy, in spirit (keystone/common/policies/*.py): role `admin` may do everything;
// a user may read itself, change its own password, manage its own application credentials, list its own
// projects and groups, and validate its own tokens, and manage its own credentials and EC2 credentials
// (keystone/common/policies/credential.py and ec2_credential.py: "user_id:%(target.credential.user_id)s").
// Everything else is refused with 403.
import { ForbiddenError } from '../http/errors.js';
import { isAdmin, type AuthContext } from './auth-context.js';

export interface PolicyTarget {
  userId?: string;
  projectId?: string;
  domainId?: string;
}

type Rule = (auth: AuthContext, target: PolicyTarget) => boolean;

const admin: Rule = (auth) => isAdmin(auth);
const anyone: Rule = () => true;
const adminOrSelf: Rule = (auth, t) => isAdmin(auth) || (t.userId !== undefined && t.userId === auth.userId);
const adminOrOwnProject: Rule = (auth, t) => isAdmin(auth) || (t.projectId !== undefined && t.projectId === auth.projectId);
const adminOrOwnDomain: Rule = (auth, t) =>
  isAdmin(auth) || (t.domainId !== undefined && (t.domainId === auth.domainId || t.domainId === auth.projectDomainId));

const RULES: Record<string, Rule> = {
  'identity:validate_token': adminOrSelf,
  'identity:revoke_token': adminOrSelf,
  'identity:get_domain': adminOrOwnDomain,
  'identity:get_project': adminOrOwnProject,
  'identity:get_user': adminOrSelf,
  'identity:update_password': (auth, t) => t.userId === auth.userId,
  'identity:list_user_projects': adminOrSelf,
  'identity:list_groups_for_user': adminOrSelf,
  'identity:application_credential': adminOrSelf,
  'identity:credential_owner': adminOrSelf,
  'identity:get_region': anyone,
  'identity:list_regions': anyone,
  'identity:admin': admin,
};

export function enforce(auth: AuthContext, rule: keyof typeof RULES | string, target: PolicyTarget = {}): void {
  const check = RULES[rule] ?? admin;
  if (!check(auth, target)) {
    throw new ForbiddenError(`You are not authorized to perform the requested action: ${rule}.`);
  }
}
