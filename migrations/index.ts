// The list of migrations, in order. An explicit index instead of a folder scan keeps the
// order visible in review and works the same from source and from a build.
import type { Migration } from 'kysely'
import * as accounts from './2026_11_26_0001_accounts.js'
import * as posts from './2026_11_26_0002_posts.js'
import * as social from './2026_11_26_0003_social.js'
import * as tagsSearch from './2026_11_26_0004_tags_search.js'
import * as nsfw from './2026_11_26_0005_nsfw.js'
import * as groupShakes from './2026_11_26_0006_group_shakes.js'
import * as performanceIndexes from './2026_11_26_0007_performance_indexes.js'
import * as api from './2026_11_26_0008_api.js'
import * as moderation from './2026_11_26_0009_moderation.js'
import * as privacy from './2026_11_26_0010_privacy.js'
import * as gifVideo from './2026_11_26_0011_gif_video.js'
import * as flatQueryIndexes from './2026_12_05_0001_flat_query_indexes.js'
import * as fanOutIndex from './2026_12_05_0005_fan_out_index.js'
import * as keptCounts from './2026_12_05_0010_kept_counts.js'
import * as postFileName from './2026_12_05_0011_post_file_name.js'
import * as maintenanceCursor from './2026_12_06_0001_maintenance_cursor.js'
import * as videoLinks from './2026_12_06_0002_video_links.js'
import * as postWords from './2026_12_06_0005_post_words.js'
import * as userCounts from './2026_12_06_0012_user_counts.js'
import * as shakeCounts from './2026_12_07_0013_shake_counts.js'
import * as userLikeCount from './2026_12_07_0014_user_like_count.js'
import * as postSaversIndex from './2026_12_08_0015_post_savers_index.js'

export const migrations: Record<string, Migration> = {
  '2026_11_26_0001_accounts': accounts,
  '2026_11_26_0002_posts': posts,
  '2026_11_26_0003_social': social,
  '2026_11_26_0004_tags_search': tagsSearch,
  '2026_11_26_0005_nsfw': nsfw,
  '2026_11_26_0006_group_shakes': groupShakes,
  '2026_11_26_0007_performance_indexes': performanceIndexes,
  '2026_11_26_0008_api': api,
  '2026_11_26_0009_moderation': moderation,
  '2026_11_26_0010_privacy': privacy,
  '2026_11_26_0011_gif_video': gifVideo,
  '2026_12_05_0001_flat_query_indexes': flatQueryIndexes,
  '2026_12_05_0005_fan_out_index': fanOutIndex,
  '2026_12_05_0010_kept_counts': keptCounts,
  '2026_12_05_0011_post_file_name': postFileName,
  '2026_12_06_0001_maintenance_cursor': maintenanceCursor,
  '2026_12_06_0002_video_links': videoLinks,
  '2026_12_06_0005_post_words': postWords,
  '2026_12_06_0012_user_counts': userCounts,
  '2026_12_07_0013_shake_counts': shakeCounts,
  '2026_12_07_0014_user_like_count': userLikeCount,
  '2026_12_08_0015_post_savers_index': postSaversIndex,
}
