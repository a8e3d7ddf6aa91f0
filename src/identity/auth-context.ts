// Who is calling: the validated token as the other services (Nova, Glance) see it.
export interface RoleRef {
  id: string;
  name: string;
}

export interface AuthContext {
  token: string;
  userId: string;
  userName: string;
  userDomainId: string;
  userDomainName: string;
  /** Set for a project-scoped token. */
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  projectDomainName?: string;
  /** Set for a domain-scoped token. */
  domainId?: string;
  domainName?: string;
  /** True for a system-scoped token (`system: {all: true}`). */
  system: boolean;
  roles: RoleRef[];
  methods: string[];
  auditIds: string[];
  issuedAt: Date;
  expiresAt: Date;
  applicationCredentialId?: string;
  passwordExpiresAt?: Date | null;
}

export function hasRole(auth: AuthContext, name: string): boolean {
  return auth.roles.some((r) => r.name === name);
}

/** Keystone's and Nova's default policies treat role `admin` on any scope as cloud admin. */
export function isAdmin(auth: AuthContext): boolean {
  return hasRole(auth, 'admin');
}
