/**
 * A graph that returns an image: it draws a bar chart of the numbers it is
 * given as a PNG. The picture goes in the `content_blocks` channel (raw
 * bytes are fine; graph-mcp encodes them), the numbers about it stay in the
 * structured output.
 */
import { END, START, StateGraph } from '@langchain/langgraph';
import { PNG } from 'pngjs';
import { z } from 'zod';

export const ChartInput = z.object({
  values: z.array(z.number().min(0)).min(1).max(48).describe('Bar heights, left to right'),
  color: z.enum(['blue', 'green', 'orange']).default('blue').describe('Bar colour'),
});

const ChartOutput = z.object({
  bars: z.number().int().describe('How many bars were drawn'),
  max: z.number().describe('The tallest bar, which fills the chart'),
  width: z.number().int(),
  height: z.number().int(),
  content_blocks: z.array(z.unknown()),
});

const ChartState = ChartInput.extend(ChartOutput.partial().shape);
type State = z.infer<typeof ChartState>;

const WIDTH = 320;
const HEIGHT = 200;
const MARGIN = 10;
const COLORS = { blue: [37, 99, 235], green: [22, 163, 74], orange: [234, 88, 12] } as const;

function draw(state: State): Partial<State> {
  const png = new PNG({ width: WIDTH, height: HEIGHT });
  png.data.fill(255); // white, opaque
  const max = Math.max(...state.values);
  const slot = (WIDTH - 2 * MARGIN) / state.values.length;
  const [r, g, b] = COLORS[state.color ?? 'blue'];
  for (const [index, value] of state.values.entries()) {
    const height = max === 0 ? 0 : Math.round((value / max) * (HEIGHT - 2 * MARGIN));
    const left = Math.round(MARGIN + index * slot + slot * 0.15);
    const right = Math.round(MARGIN + (index + 1) * slot - slot * 0.15);
    for (let y = HEIGHT - MARGIN - height; y < HEIGHT - MARGIN; y += 1) {
      for (let x = left; x < Math.max(right, left + 1); x += 1) {
        const at = (y * WIDTH + x) * 4;
        png.data[at] = r;
        png.data[at + 1] = g;
        png.data[at + 2] = b;
      }
    }
  }
  return {
    bars: state.values.length,
    max,
    width: WIDTH,
    height: HEIGHT,
    content_blocks: [{ type: 'image', data: PNG.sync.write(png), mimeType: 'image/png' }],
  };
}

export const graph = new StateGraph({ state: ChartState, input: ChartInput, output: ChartOutput })
  .addNode('draw', draw)
  .addEdge(START, 'draw')
  .addEdge('draw', END)
  .compile();
