/** Page of the web-entry case: gcam/web (src/web.ts) with its default platform, the model given by URL. */
import { createImageExplainer } from '../../src/web.js';
import { exposePage } from './cases.js';

exposePage('web', () => createImageExplainer('/model.onnx'));
