// `weft/cards`: the components a step appends to its cards (current.card). Only data
// classes: rendering is loaded by the task when it writes a card.
export {
  Markdown,
  Table,
  Image,
  VegaChart,
  ProgressBar,
  ArtifactView,
  ErrorBox,
  type CardComponent,
  type Cell,
  type TableOptions,
  type ImageOptions,
  type ImageType,
  type ProgressBarOptions,
  type ArtifactViewOptions,
  type ErrorBoxOptions,
} from "./components.ts";
