import type { Endpoint } from "../../tools/operation.js";

/*
 * Requests that several VideoDB tools and job results share, declared once. Reads carry the collection
 * as a query parameter, as video-db/videodb-python `videodb/collection.py` (`get_video`, `get_audio`,
 * `get_image`) sends it.
 */

/** `GET /video/{video_id}`: the video's own length and stream, which the stream request needs. */
export const getVideo: Endpoint = { provider: "videodb", route: "GET /video/{video_id}" };

export const getImage: Endpoint = { provider: "videodb", route: "GET /image/{image_id}" };

/**
 * An audio's playable URL, as videodb_generate_audio_url asks for it: the collection as a query parameter
 * (video-db/videodb-python `videodb/audio.py` `generate_url`), no body fields.
 */
export const audioUrl: Endpoint<{ audio_id: string; collection_id: string }> = {
  provider: "videodb",
  route: "POST /audio/{audio_id}/generate_url",
  safeToRetry: true,
  request: (input) => ({ query: { collection_id: input.collection_id }, body: {} }),
};

/** An image's signed URL (video-db/videodb-python `videodb/image.py` `generate_url`), where its object has none. */
export const imageUrl: Endpoint<{ image_id: string; collection_id: string }> = {
  provider: "videodb",
  route: "POST /image/{image_id}/generate_url",
  safeToRetry: true,
  request: (input) => ({ query: { collection_id: input.collection_id }, body: {} }),
};
