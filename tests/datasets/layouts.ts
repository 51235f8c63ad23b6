import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';

/**
 * Dataset layouts built from the shipped set's generated defect images
 * (public/samples: textures with synthetic scratches, cracks, holes, stains,
 * missing patches), so the readers and `real eval` are tested on the layouts
 * as MVTec AD and VisA distribute them, with no download.
 */
const SAMPLES = 'public/samples';

interface Sample {
  id: string;
  image: string;
  mask: string | null;
  label: 0 | 1;
  texture: string;
  defect: string | null;
}

export function samples(): Sample[] {
  return JSON.parse(readFileSync(join(SAMPLES, 'index.json'), 'utf8'));
}

export interface LayoutSpec {
  /** Textures used as categories. */
  categories: string[];
  /** Images per category and label, at most (the shipped set has 6–7 of each). */
  perLabel?: number;
}

/** The picked samples, in index order: the first `perLabel` normal and anomalous ones of each category. */
export function pick(spec: LayoutSpec): Sample[] {
  const n = spec.perLabel ?? Infinity;
  const count = new Map<string, number>();
  return samples().filter((s) => {
    if (!spec.categories.includes(s.texture)) return false;
    const k = `${s.texture}:${s.label}`;
    const c = count.get(k) ?? 0;
    count.set(k, c + 1);
    return c < n;
  });
}

/**
 * MVTec AD: ROOT/<category>/{train/good, test/good, test/<defect>,
 * ground_truth/<defect>/<name>_mask.png}, names numbered from 000 per folder.
 * Returns, per sample, its image's path relative to ROOT.
 */
export function writeMvtec(root: string, spec: LayoutSpec): Map<string, string> {
  const where = new Map<string, string>();
  const next = new Map<string, number>();
  for (const s of pick(spec)) {
    const defect = s.label ? s.defect! : 'good';
    const dir = join(root, s.texture, 'test', defect);
    mkdirSync(dir, { recursive: true });
    const k = `${s.texture}/${defect}`;
    const n = next.get(k) ?? 0;
    next.set(k, n + 1);
    const name = String(n).padStart(3, '0');
    copyFileSync(join(SAMPLES, s.image), join(dir, `${name}.png`));
    where.set(s.id, `${s.texture}/test/${defect}/${name}.png`);
    if (s.label) {
      const gt = join(root, s.texture, 'ground_truth', defect);
      mkdirSync(gt, { recursive: true });
      copyFileSync(join(SAMPLES, s.mask!), join(gt, `${name}_mask.png`));
    } else if (n === 0) {
      mkdirSync(join(root, s.texture, 'train', 'good'), { recursive: true });
      copyFileSync(join(SAMPLES, s.image), join(root, s.texture, 'train', 'good', '000.png'));
    }
  }
  writeFileSync(join(root, 'readme.txt'), 'generated from public/samples\n');
  return where;
}

/**
 * VisA as downloaded: ROOT/split_csv/1cls.csv and
 * ROOT/<object>/Data/{Images/{Normal,Anomaly}, Masks/Anomaly}; masks hold the
 * defect's class index (here 1 or 2), not 255. Each category also gets two
 * train rows, which the reader must leave out.
 */
export function writeVisa(root: string, spec: LayoutSpec): void {
  const rows = ['object,split,label,image,mask'];
  let n = 0;
  for (const s of pick(spec)) {
    const kind = s.label ? 'Anomaly' : 'Normal';
    const rel = `${s.texture}/Data/Images/${kind}/${String(n).padStart(4, '0')}.PNG`;
    mkdirSync(join(root, s.texture, 'Data', 'Images', kind), { recursive: true });
    copyFileSync(join(SAMPLES, s.image), join(root, rel));
    let maskRel = '';
    if (s.label) {
      maskRel = `${s.texture}/Data/Masks/Anomaly/${String(n).padStart(4, '0')}.png`;
      mkdirSync(join(root, s.texture, 'Data', 'Masks', 'Anomaly'), { recursive: true });
      const m = PNG.sync.read(readFileSync(join(SAMPLES, s.mask!)));
      const out = new PNG({ width: m.width, height: m.height, colorType: 0 });
      for (let i = 0; i < m.width * m.height; i++) {
        const v = m.data[i * 4] > 127 ? 1 + (n % 2) : 0;
        out.data[i * 4] = out.data[i * 4 + 1] = out.data[i * 4 + 2] = v;
        out.data[i * 4 + 3] = 255;
      }
      writeFileSync(join(root, maskRel), PNG.sync.write(out, { colorType: 0 }));
    }
    rows.push(`${s.texture},test,${s.label ? 'anomaly' : 'normal'},${rel},${maskRel}`);
    if (n % 5 === 0) rows.push(`${s.texture},train,normal,${rel},`);
    n++;
  }
  mkdirSync(join(root, 'split_csv'), { recursive: true });
  writeFileSync(join(root, 'split_csv', '1cls.csv'), `${rows.join('\n')}\n`);
}
