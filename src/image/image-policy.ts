// Glance's default policy (glance/policies/image.py, glance/api/policy.py in spirit): admin may do
// everything; a project manages the images it owns; public and community images are visible to all;
// shared images to their members; publicizing an image is admin-only.
import { ForbiddenError, NotFoundError } from '../http/errors.js';
import { isAdmin, type AuthContext } from '../identity/auth-context.js';
import type { ImageRow, MemberRow } from './repositories/rows.js';

export function admin(auth: AuthContext): boolean {
  return isAdmin(auth);
}

export function isOwner(auth: AuthContext, image: ImageRow): boolean {
  return !!auth.projectId && image.owner === auth.projectId;
}

/** Whether the caller may see the image at all; `member` is the caller's membership, if any. */
export function canSee(auth: AuthContext, image: ImageRow, member?: MemberRow): boolean {
  if (admin(auth) || isOwner(auth, image)) return true;
  if (image.visibility === 'public' || image.visibility === 'community') return true;
  // A member sees a shared image whatever its member status (Glance lists only accepted ones by default).
  return image.visibility === 'shared' && !!member;
}

export function notFound(id: string): NotFoundError {
  return new NotFoundError(`No image found with ID ${id}`);
}

/** Owner or admin; anyone else who can see the image gets Glance's 403. */
export function enforceModify(auth: AuthContext, image: ImageRow, action = 'modify_image'): void {
  if (admin(auth) || isOwner(auth, image)) return;
  throw new ForbiddenError(`You are not authorized to complete ${action} action.`);
}

export function enforcePublicize(auth: AuthContext): void {
  // publicize_image defaults to role:admin in Glance.
  if (!admin(auth)) throw new ForbiddenError('You are not authorized to complete publicize_image action.');
}
