// Image members (glance/api/v2/image_members.py): the owner offers a shared image to a project, the
// project accepts or rejects it; only shared images have members.
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, PayloadTooLargeError } from '../http/errors.js';
import type { AuthContext } from '../identity/auth-context.js';
import { admin, isOwner } from './image-policy.js';
import type { ImageService } from './image-service.js';
import type { MemberRepository } from './repositories/member-repository.js';
import type { ImageRow, MemberRow, MemberStatus } from './repositories/rows.js';

// Glance's image_member_quota default.
export const MEMBER_QUOTA = 128;

export class MemberService {
  constructor(private readonly images: ImageService, private readonly members: MemberRepository) {}

  private static requireShared(image: ImageRow): void {
    if (image.visibility !== 'shared') throw new ForbiddenError(`Only shared images have members.`);
  }

  private static notFound(memberId: string, imageId: string): NotFoundError {
    return new NotFoundError(`${memberId} is not a member of image ${imageId}`);
  }

  async list(auth: AuthContext, imageId: string): Promise<MemberRow[]> {
    const image = await this.images.get(auth, imageId);
    MemberService.requireShared(image);
    const rows = await this.members.list(imageId);
    // A member sees only its own membership; the owner and admin see them all.
    return admin(auth) || isOwner(auth, image) ? rows : rows.filter((m) => m.member_id === auth.projectId);
  }

  async show(auth: AuthContext, imageId: string, memberId: string): Promise<MemberRow> {
    const image = await this.images.get(auth, imageId);
    MemberService.requireShared(image);
    const member = await this.members.get(imageId, memberId);
    if (!member || !(admin(auth) || isOwner(auth, image) || memberId === auth.projectId)) throw MemberService.notFound(memberId, imageId);
    return member;
  }

  async create(auth: AuthContext, imageId: string, body: unknown): Promise<MemberRow> {
    const memberId = (body as { member?: unknown } | null)?.member;
    if (typeof memberId !== 'string' || memberId === '' || memberId.length > 255) throw new BadRequestError('Member to be added not specified');
    const image = await this.images.get(auth, imageId);
    if (!(admin(auth) || isOwner(auth, image))) throw new ForbiddenError('You are not authorized to complete add_member action.');
    MemberService.requireShared(image);
    if (await this.members.get(imageId, memberId)) throw new ConflictError(`Member ${memberId} already associated with image ${imageId}.`);
    const count = await this.members.count(imageId);
    if (count + 1 > MEMBER_QUOTA) throw new PayloadTooLargeError(`Maximum number of image members exceeded: attempted ${count + 1}, maximum ${MEMBER_QUOTA}.`);
    const now = new Date();
    try {
      return await this.members.insert({ image_id: imageId, member_id: memberId, status: 'pending', created_at: now, updated_at: now });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new ConflictError(`Member ${memberId} already associated with image ${imageId}.`);
      throw err;
    }
  }

  async update(auth: AuthContext, imageId: string, memberId: string, body: unknown): Promise<MemberRow> {
    const status = (body as { status?: unknown } | null)?.status;
    if (typeof status !== 'string' || !['pending', 'accepted', 'rejected'].includes(status)) {
      throw new BadRequestError(`Invalid status: ${typeof status === 'string' ? status : JSON.stringify(status ?? null)}`);
    }
    const image = await this.images.get(auth, imageId);
    MemberService.requireShared(image);
    const member = await this.members.get(imageId, memberId);
    if (!member) throw MemberService.notFound(memberId, imageId);
    // Only the member itself decides (modify_member: project_id:%(member_id)s); the owner cannot accept for it.
    if (memberId !== auth.projectId) throw new ForbiddenError('You are not permitted to modify the status of this member: only the member project may accept or reject an image.');
    const updated = await this.members.setStatus(imageId, memberId, status as MemberStatus);
    if (!updated) throw MemberService.notFound(memberId, imageId);
    return updated;
  }

  async delete(auth: AuthContext, imageId: string, memberId: string): Promise<void> {
    const image = await this.images.get(auth, imageId);
    if (!(admin(auth) || isOwner(auth, image))) throw new ForbiddenError('You are not authorized to complete delete_member action.');
    MemberService.requireShared(image);
    if (!(await this.members.delete(imageId, memberId))) throw MemberService.notFound(memberId, imageId);
  }
}
