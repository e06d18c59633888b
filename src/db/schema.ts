// Table types, written by hand to match what both drivers return: integers for flags (0/1),
// 'YYYY-MM-DD HH:MM:SS' UTC strings for datetimes (mysql2 runs with dateStrings).
import type { Generated, Insertable, Selectable, Updateable } from 'kysely'

/** A 0/1 flag column. Repositories turn it into a boolean. */
export type Flag = number
/** A UTC datetime as 'YYYY-MM-DD HH:MM:SS'. */
export type DateTimeText = string

/** member: everyone; moderator: moderation pages; admin: those and the operator pages. */
export type Role = 'member' | 'moderator' | 'admin'

export interface UserTable {
  id: Generated<number>
  name: string
  email: string
  hashed_password: string
  full_name: Generated<string>
  about: Generated<string>
  website: Generated<string>
  email_confirmed: Generated<Flag>
  profile_image: Generated<Flag>
  role: Generated<Role>
  nsfw: Generated<Flag>
  recommended: Generated<Flag>
  restricted: Generated<Flag>
  show_naked_people: Generated<Flag>
  disable_notifications: Generated<Flag>
  /** Whether GIF videos play by themselves (muted, looped) for this person. */
  autoplay_video: Generated<Flag>
  deleted: Generated<Flag>
  avatar_key: string | null
  /** Kept by every post written or deleted (repositories/posts.ts, takedowns). */
  post_count: Generated<number>
  /** Kept by every follow made or removed (repositories/subscriptions.ts). */
  following_count: Generated<number>
  /** Likes given, kept by every like and unlike (repositories/likes-given.ts). */
  like_count: Generated<number>
  created_at: DateTimeText
  updated_at: DateTimeText
}

export type ShakeType = 'user' | 'group'

export interface ShakeTable {
  id: Generated<number>
  user_id: number
  type: ShakeType
  name: string
  title: Generated<string>
  description: Generated<string>
  image: Generated<Flag>
  recommended: Generated<Flag>
  featured: Generated<Flag>
  deleted: Generated<Flag>
  image_key: string | null
  /** Kept by every subscription write (repositories/subscriptions.ts, account erasure). */
  follower_count: Generated<number>
  /** Live posts placed in the shake, kept by every placement made or removed (repositories/shake-counts.ts). */
  post_count: Generated<number>
  /** Members (shake_manager rows), counted again by every membership write (repositories/memberships.ts). */
  member_count: Generated<number>
  created_at: DateTimeText
  updated_at: DateTimeText
}

export interface SessionTable {
  id: string
  user_id: number | null
  data: string
  expires_at: DateTimeText
  created_at: DateTimeText
  updated_at: DateTimeText
}

export type TokenPurpose = 'verify_email' | 'reset_password'

export interface UserTokenTable {
  id: Generated<number>
  user_id: number
  purpose: TokenPurpose
  token_hash: string
  email: string | null
  expires_at: DateTimeText
  used_at: DateTimeText | null
  created_at: DateTimeText
}

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp'

export interface SourcefileTable {
  id: Generated<number>
  sha1: string
  format: ImageFormat
  content_type: string
  width: number
  height: number
  frames: Generated<number>
  upload_size: number
  /** JSON: Rendition[] */
  renditions: string
  nsfw: Generated<Flag>
  /** Set when a moderator took the image down: no files, no posts, no new uploads of it. */
  taken_down_at: DateTimeText | null
  /** JSON: the video a video-link post shows (StoredVideoLink); NULL for an image. */
  video_link: Generated<string | null>
  created_at: DateTimeText
}

export interface SharedfileTable {
  id: Generated<number>
  user_id: number
  sourcefile_id: number
  /** The uploaded file's name (or a fetched URL's last segment), cleaned; '' before 0011. */
  name: Generated<string>
  title: Generated<string>
  description: string
  alt_text: string
  content_type: string
  size: number
  parent_id: number | null
  original_id: number | null
  like_count: Generated<number>
  save_count: Generated<number>
  view_count: Generated<number>
  /** Live comments (comment.deleted = 0), kept by the comment writes. */
  comment_count: Generated<number>
  deleted: Generated<Flag>
  created_at: DateTimeText
  updated_at: DateTimeText
}

export interface ShakeSharedfileTable {
  id: Generated<number>
  shake_id: number
  sharedfile_id: number
  deleted: Generated<Flag>
  created_at: DateTimeText
}

export interface FavoriteTable {
  id: Generated<number>
  user_id: number
  sharedfile_id: number
  created_at: DateTimeText
}

export interface CommentTable {
  id: Generated<number>
  user_id: number
  sharedfile_id: number
  body: string
  like_count: Generated<number>
  deleted: Generated<Flag>
  created_at: DateTimeText
  updated_at: DateTimeText
}

export interface CommentLikeTable {
  id: Generated<number>
  user_id: number
  comment_id: number
  created_at: DateTimeText
}

export interface SubscriptionTable {
  id: Generated<number>
  user_id: number
  shake_id: number
  created_at: DateTimeText
}

export interface TimelinePostTable {
  id: Generated<number>
  user_id: number
  sharedfile_id: number
  sourcefile_id: number
  shake_id: number
  created_at: DateTimeText
}

export type NotificationType =
  | 'favorite'
  | 'save'
  | 'comment'
  | 'mention'
  | 'subscriber'
  | 'invitation'
  | 'join_request'
  | 'join_approved'

export interface NotificationTable {
  id: Generated<number>
  sender_id: number
  receiver_id: number
  type: NotificationType
  action_id: number
  deleted: Generated<Flag>
  created_at: DateTimeText
}

export interface MagicfileTable {
  id: Generated<number>
  sharedfile_id: number
  created_at: DateTimeText
}

export interface ConversationTable {
  id: Generated<number>
  user_id: number
  sharedfile_id: number
  muted: Generated<Flag>
  /** The post's latest live comment, kept by the comment writes; null while it has none. */
  last_comment_id: Generated<number | null>
  created_at: DateTimeText
  updated_at: DateTimeText
}

export type OutboxStatus = 'pending' | 'relayed' | 'done' | 'dead'

/** The words of an original post (services/search-query.ts postWords) that search finds it by. */
export interface PostWordTable {
  sharedfile_id: number
  word: string
  user_id: number
}

/** Each word of a person's full name (services/search-query.ts searchWords), for people search. */
export interface UserNameWordTable {
  id: Generated<number>
  user_id: number
  word: string
}

export interface MaintenanceCursorTable {
  name: string
  position: Generated<number>
  updated_at: DateTimeText
}

export interface OutboxTable {
  id: Generated<number>
  job: string
  payload: string
  status: OutboxStatus
  attempts: Generated<number>
  available_at: DateTimeText
  last_error: string | null
  created_at: DateTimeText
  updated_at: DateTimeText
}

export interface TagTable {
  id: Generated<number>
  name: string
  created_at: DateTimeText
}

export interface TaggedFileTable {
  id: Generated<number>
  tag_id: number
  sharedfile_id: number
  created_at: DateTimeText
}

export interface NsfwLogTable {
  id: Generated<number>
  user_id: number
  sharedfile_id: number
  sourcefile_id: number
  created_at: DateTimeText
}

export interface ShakeManagerTable {
  id: Generated<number>
  shake_id: number
  user_id: number
  created_at: DateTimeText
}

export type MembershipKind = 'invite' | 'request'

export interface MembershipRequestTable {
  id: Generated<number>
  shake_id: number
  user_id: number
  kind: MembershipKind
  created_at: DateTimeText
}

export type ModerationAction =
  | 'takedown'
  | 'nsfw_on'
  | 'nsfw_off'
  | 'transfer_shake'
  | 'set_role'
  | 'resolve_report'
  | 'dismiss_report'
  | 'delete_user'

export interface ModerationLogTable {
  id: Generated<number>
  moderator_id: number
  action: ModerationAction
  target_user_id: number | null
  sourcefile_id: number | null
  shake_id: number | null
  report_id: number | null
  /** What the action did, in words (e.g. how many posts a takedown removed). */
  detail: Generated<string>
  /** Why, as the moderator wrote it. */
  note: Generated<string>
  created_at: DateTimeText
}

export type ReportTargetType = 'post' | 'comment' | 'user'
export type ReportStatus = 'open' | 'resolved' | 'dismissed'

export interface ReportTable {
  id: Generated<number>
  reporter_id: number
  target_type: ReportTargetType
  target_id: number
  /** Whose post, comment or account it is: the dossier lists reports against a person. */
  target_user_id: number
  reason: string
  note: Generated<string>
  status: Generated<ReportStatus>
  /** 1 while open, NULL once settled (the unique key allows one open report per target). */
  is_open: Flag | null
  settled_by: number | null
  settled_note: Generated<string>
  settled_at: DateTimeText | null
  created_at: DateTimeText
}

export interface ApiAppTable {
  id: Generated<number>
  user_id: number
  client_id: string
  /** SHA-256 of the client secret; null for a public app (PKCE only). */
  secret_hash: string | null
  name: string
  description: Generated<string>
  /** JSON: string[] */
  redirect_uris: string
  created_at: DateTimeText
  updated_at: DateTimeText
}

export interface ApiAuthorizationCodeTable {
  id: Generated<number>
  code_hash: string
  app_id: number
  user_id: number
  redirect_uri: string
  code_challenge: string
  scope: string
  expires_at: DateTimeText
  used_at: DateTimeText | null
  created_at: DateTimeText
}

export interface ApiAccessTokenTable {
  id: Generated<number>
  token_hash: string
  refresh_hash: string | null
  app_id: number
  user_id: number
  code_id: number | null
  scope: string
  expires_at: DateTimeText
  refresh_expires_at: DateTimeText | null
  last_used_at: DateTimeText | null
  created_at: DateTimeText
}

export interface UserBlockTable {
  id: Generated<number>
  user_id: number
  blocked_user_id: number
  created_at: DateTimeText
}

export type MuteKind = 'user' | 'shake'

export interface UserMuteTable {
  id: Generated<number>
  user_id: number
  kind: MuteKind
  target_id: number
  created_at: DateTimeText
}

export type ExportStatus = 'pending' | 'ready'

export interface DataExportTable {
  id: Generated<number>
  user_id: number
  status: ExportStatus
  storage_key: string | null
  size: Generated<number>
  created_at: DateTimeText
  expires_at: DateTimeText | null
}

export interface DB {
  user: UserTable
  shake: ShakeTable
  session: SessionTable
  user_token: UserTokenTable
  sourcefile: SourcefileTable
  sharedfile: SharedfileTable
  shakesharedfile: ShakeSharedfileTable
  favorite: FavoriteTable
  comment: CommentTable
  comment_like: CommentLikeTable
  subscription: SubscriptionTable
  post: TimelinePostTable
  notification: NotificationTable
  magicfile: MagicfileTable
  conversation: ConversationTable
  user_name_word: UserNameWordTable
  post_word: PostWordTable
  outbox: OutboxTable
  maintenance_cursor: MaintenanceCursorTable
  tag: TagTable
  tagged_file: TaggedFileTable
  nsfw_log: NsfwLogTable
  shake_manager: ShakeManagerTable
  membership_request: MembershipRequestTable
  moderation_log: ModerationLogTable
  report: ReportTable
  api_app: ApiAppTable
  api_authorization_code: ApiAuthorizationCodeTable
  api_access_token: ApiAccessTokenTable
  user_block: UserBlockTable
  user_mute: UserMuteTable
  data_export: DataExportTable
}

export type UserRow = Selectable<UserTable>
export type NewUserRow = Insertable<UserTable>
export type UserUpdate = Updateable<UserTable>
export type ShakeRow = Selectable<ShakeTable>
export type SessionRow = Selectable<SessionTable>
export type UserTokenRow = Selectable<UserTokenTable>
export type SourcefileRow = Selectable<SourcefileTable>
export type SharedfileRow = Selectable<SharedfileTable>
