/**
 * Figure captions (src/image/caption.ts, composeFigure): where lines break, the estimated widths, the caption band
 * growing with the lines, and no caption text drawn outside its panel.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { breakPieces, layoutCaption, textWidth, wrapAtSeparators } from '../src/image/caption.js';
import { composeFigure } from '../src/image/io-node.js';
import type { RawImage } from '../src/image/raw.js';

const gray = (width: number, height: number): RawImage => ({
  width,
  height,
  channels: 3,
  data: new Uint8Array(width * height * 3).fill(200),
});

describe('caption line breaks', () => {
  it('pieces end after spaces, / _ @ and a non-decimal dot; a separator starting a word stays with it', () => {
    assert.deepEqual(breakPieces('285 Egyptian cat (0.912) @ /layer4/layer4.1/relu_1/Relu_output_0'), [
      '285 ',
      'Egyptian ',
      'cat ',
      '(0.912) ',
      '@ ',
      '/layer4/',
      'layer4.1/',
      'relu_',
      '1/',
      'Relu_',
      'output_',
      '0',
    ]);
    assert.deepEqual(breakPieces('features.denseblock4'), ['features.', 'denseblock4']);
    assert.deepEqual(breakPieces('a  b'), ['a  ', 'b'], 'a run of spaces is one break');
  });

  it('a long torchvision layer name wraps after separators, 24 characters a line; nothing is lost', () => {
    const name = '/features/features.denseblock4/denselayer16/conv2/Conv_output_0';
    const lines = wrapAtSeparators(name, (line) => line.length <= 24);
    assert.deepEqual(lines, ['/features/features.', 'denseblock4/', 'denselayer16/conv2/Conv_', 'output_0']);
    assert.equal(lines.join(''), name);
  });

  it('spaces at a break are dropped; a decimal number stays whole', () => {
    const lines = wrapAtSeparators('285 Egyptian cat (0.912) @ layer4.1.relu_1', (line) => line.length <= 14);
    assert.deepEqual(lines, ['285 Egyptian', 'cat (0.912) @', 'layer4.1.relu_', '1']);
  });
});

describe('caption layout', () => {
  it('estimated widths: narrow, middle and wide letters', () => {
    assert.equal(textWidth('il', 10), 6.4);
    assert.equal(textWidth('mW', 10), 20);
    assert.equal(textWidth('a_', 10), 11.8);
  });

  it('a 100 px panel: two 4-letter segments a line at 14 px (each 4 × 9.1 + 5.6 = 42 px of 96)', () => {
    assert.deepEqual(layoutCaption('aaaa/aaaa/aaaa/aaaa', 100), {
      lines: ['aaaa/aaaa/', 'aaaa/aaaa'],
      fontPx: 14,
      linePx: 18,
      height: 40,
    });
  });

  it('a word wider than the panel is set smaller, not cut: 10 × 0.65 em in 36 px → 5.5 px', () => {
    assert.deepEqual(layoutCaption('aaaaaaaaaa', 40), { lines: ['aaaaaaaaaa'], fontPx: 5.5, linePx: 8, height: 12 });
    assert.deepEqual(layoutCaption('x', 4), { lines: [], fontPx: 14, linePx: 0, height: 0 }, 'no room at all');
  });
});

describe('composeFigure', () => {
  it('the caption band is 22 px for one line and grows by 18 px a line', async () => {
    const one = await composeFigure([[{ image: gray(100, 50), caption: 'aaaa' }]]);
    assert.deepEqual([one.width, one.height], [116, 8 + 22 + 50 + 8]);
    const two = await composeFigure([[{ image: gray(100, 50), caption: 'aaaa/aaaa/aaaa/aaaa' }]]);
    assert.deepEqual([two.width, two.height], [116, 8 + 40 + 50 + 8]);
    const none = await composeFigure([[{ image: gray(100, 50) }]]);
    assert.deepEqual([none.width, none.height], [116, 66]);
  });

  it('a long layer caption stays inside its panel: the gaps beside it are white', async (t) => {
    const caption = '285 Egyptian cat (0.912) @ /features/features.denseblock4/denselayer16/conv2/Conv_output_0';
    const fig = await composeFigure([
      [
        { image: gray(160, 40), caption: 'photo.png' },
        { image: gray(160, 40), caption },
      ],
    ]);
    const band = fig.height - 8 - 40 - 8;
    assert.ok(band > 22, `the caption needs several lines at 160 px: band ${band}`);
    const dark = (x0: number, x1: number) => {
      let n = 0;
      for (let y = 8; y < 8 + band; y++)
        for (let x = x0; x < x1; x++) if (fig.data[(y * fig.width + x) * fig.channels] < 160) n++;
      return n;
    };
    if (dark(176, 336) === 0) return t.skip('no sans-serif font renders text on this machine');
    assert.equal(dark(168, 176), 0, 'the gap between the panels');
    assert.equal(dark(336, 344), 0, 'the margin right of the second panel');
  });
});
