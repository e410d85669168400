import { sendEndpoint } from "../../tools/execute.js";
import type { ToolContext } from "../../tools/operation.js";
import { getImage, getVideo } from "./endpoints.js";
import type { JobRef } from "./job-refs.js";
import { mediaResult, transcriptResult } from "./results.js";

/**
 * The result of a finished job of every kind but video generation, from its id and the data its async
 * response ended with (none for the kinds VideoDB answered at once).
 */
export async function finishedResult(
  ref: JobRef,
  data: unknown,
  context: ToolContext,
): Promise<Record<string, unknown>> {
  const [first = "", second = ""] = ref.fields;
  switch (ref.kind) {
    case "media": {
      // Already done when it started: the media is read again, so any instance gives the same result.
      const media = second.startsWith("m-")
        ? await sendEndpoint(getVideo, { video_id: second }, context)
        : second.startsWith("img-")
          ? await sendEndpoint(getImage, { image_id: second, collection_id: first }, context)
          : { id: second, collection_id: first };
      return mediaResult(media, first, context);
    }
    case "indexed":
      // Indexed before this call: the video is read to say so only while it still exists.
      await sendEndpoint(getVideo, { video_id: first }, context);
      return { video_id: first, indexed: true };
    case "index":
      return { video_id: first, indexed: true };
    case "transcript":
      return transcriptResult(first, data);
    default:
      return mediaResult(data, first, context);
  }
}
