// Typed rows of the identity tables, as repositories return them.
export interface DomainRow {
  id: string;
  name: string;
  description: string | null;
  enabled: boolean;
  extra: Record<string, unknown>;
}

export interface ProjectRow {
  id: string;
  name: string;
  domain_id: string;
  parent_id: string | null;
  description: string | null;
  enabled: boolean;
  is_domain: boolean;
  tags: string[];
  extra: Record<string, unknown>;
}

export interface UserRow {
  id: string;
  name: string;
  domain_id: string;
  enabled: boolean;
  password_hash: string | null;
  default_project_id: string | null;
  description: string | null;
  email: string | null;
  password_expires_at: Date | null;
  failed_auth_count: number;
  failed_auth_at: Date | null;
  options: Record<string, unknown>;
  extra: Record<string, unknown>;
}

export interface GroupRow {
  id: string;
  name: string;
  domain_id: string;
  description: string | null;
  extra: Record<string, unknown>;
}

export interface RoleRow {
  id: string;
  name: string;
  /** null for a global role. */
  domain_id: string | null;
  description: string | null;
  options: Record<string, unknown>;
  extra: Record<string, unknown>;
}

export type AssignmentType = 'UserProject' | 'GroupProject' | 'UserDomain' | 'GroupDomain' | 'UserSystem' | 'GroupSystem';

export interface AssignmentRow {
  type: AssignmentType;
  actor_id: string;
  target_id: string;
  role_id: string;
  inherited: boolean;
}

export interface RegionRow {
  id: string;
  description: string;
  parent_region_id: string | null;
  extra: Record<string, unknown>;
}

export interface ServiceRow {
  id: string;
  type: string;
  enabled: boolean;
  extra: Record<string, unknown>;
}

export interface EndpointRow {
  id: string;
  service_id: string;
  interface: string;
  region_id: string | null;
  url: string;
  enabled: boolean;
  extra: Record<string, unknown>;
}

export interface ApplicationCredentialRow {
  id: string;
  name: string;
  secret_hash: string;
  description: string | null;
  user_id: string;
  project_id: string | null;
  expires_at: Date | null;
  /** Read: expires_at in UTC to the microsecond (`2026-11-26T21:22:00.891492`), as Keystone shows it. Insert: the time as given. */
  expires_at_text: string | null;
  unrestricted: boolean;
  roles: Array<{ id: string; name: string }>;
}

export interface CredentialRow {
  id: string;
  user_id: string;
  project_id: string | null;
  type: string;
  /** Serialised JSON for `ec2` (access, secret, trust_id), opaque otherwise. */
  blob: string;
  extra: Record<string, unknown>;
}

export interface DomainConfigOptionRow {
  domain_id: string;
  group: string;
  option: string;
  value: unknown;
  sensitive: boolean;
}

export interface EndpointGroupRow {
  id: string;
  name: string;
  description: string | null;
  /** Any of service_id, region_id, interface: an endpoint belongs to the group when all match. */
  filters: Record<string, string>;
}

export interface ConsumerRow {
  id: string;
  description: string | null;
  secret: string;
  extra: Record<string, unknown>;
}

export interface PolicyRow {
  id: string;
  type: string;
  blob: string;
  extra: Record<string, unknown>;
}
