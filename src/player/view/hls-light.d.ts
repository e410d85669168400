// hls.js ships types for its full build only; the light build has the same API less the features
// (subtitles, alternate audio, DRM) the player does not use.
declare module "hls.js/light" {
  export { default } from "hls.js";
}
