export {
  describeScreenProgress,
  screenHitsDisplay,
  screenResultsDisplay,
  submitScreen,
  waitForScreen
} from './screens';
export type { SubmitScreenOptions } from './screens';
