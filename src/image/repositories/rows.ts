// Typed rows of Glance's tables (db/migrations/20261127_0020_image.ts).
export type ImageStatus = 'queued' | 'saving' | 'active' | 'killed' | 'deleted' | 'uploading' | 'importing' | 'pending_delete' | 'deactivated';
export type Visibility = 'public' | 'private' | 'shared' | 'community';
export type MemberStatus = 'pending' | 'accepted' | 'rejected';

export interface ImageRow {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: Visibility;
  owner: string | null;
  disk_format: string | null;
  container_format: string | null;
  size: number | null;
  virtual_size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  min_ram: number;
  min_disk: number;
  protected: boolean;
  os_hidden: boolean;
  properties: Record<string, string>;
  tags: string[];
  staged_size: number | null;
  upload_token: string | null;
  upload_heartbeat_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface MemberRow {
  image_id: string;
  member_id: string;
  status: MemberStatus;
  created_at: Date;
  updated_at: Date;
}

export interface NamespaceRow {
  id: string;
  namespace: string;
  display_name: string | null;
  description: string | null;
  visibility: 'public' | 'private';
  protected: boolean;
  owner: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface MetadefObjectRow {
  namespace_id: string;
  name: string;
  description: string | null;
  required: string[];
  properties: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export interface MetadefPropertyRow {
  namespace_id: string;
  name: string;
  schema: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export interface MetadefTagRow {
  namespace_id: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

export interface ResourceTypeRow {
  name: string;
  protected: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface ResourceTypeAssociationRow {
  namespace_id: string;
  resource_type: string;
  prefix: string | null;
  properties_target: string | null;
  created_at: Date;
  updated_at: Date;
}
