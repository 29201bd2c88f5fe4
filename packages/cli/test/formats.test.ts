/**
 * The formats as pure functions: files other tools write (Ultralytics, labelImg, COCO without cvkit's extras) are
 * read, what a format cannot hold is dropped as announced, and the module stays free of Node built-ins.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Dataset, type FileTree, formats, imageSize, parseCsv, toCsv, utf8 } from '../src/formats/index.ts';
import { datasetDir } from './helpers.ts';

const photo = (name: string) => readFileSync(join(datasetDir('azure-cv-fork-scissors'), 'train', 'fork', name));

function sample(): Dataset {
  return {
    tags: [{ name: 'fork', description: 'a fork' }, { name: 'scis, "sors"' }, { name: 'none', type: 'Negative' }],
    images: [
      {
        file: 'a.jpg',
        bytes: photo('fork_1.jpg'),
        tags: ['fork'],
        regions: [{ tag: 'fork', left: 0.1, top: 0.2, width: 0.3, height: 0.4 }],
        metadata: { camera: 'A', 'note, with comma': 'x"y' },
      },
      { file: 'b.jpg', bytes: photo('fork_2.jpg'), tags: [], regions: [], metadata: {} },
    ],
  };
}

describe('image sizes from the bytes', () => {
  it('match the manifest for every JPEG of azure-cv-trees and azure-cv-fork-scissors', () => {
    for (const set of ['azure-cv-trees', 'azure-cv-fork-scissors']) {
      const [header, ...rows] = parseCsv(readFileSync(join(datasetDir(set), 'manifest.csv'), 'utf8'));
      const at = (k: string) => header!.indexOf(k);
      for (const r of rows) {
        const size = imageSize(readFileSync(join(datasetDir(set), r[at('file')]!)));
        expect(size, r[at('file')]).toEqual({ width: Number(r[at('width')]), height: Number(r[at('height')]) });
      }
    }
  });
});

describe('csv', () => {
  it('quotes what needs quoting and reads it back', () => {
    const rows = [['a', 'b,c', 'd"e', ' f', 'g\nh']];
    expect(parseCsv(toCsv(rows))).toEqual(rows);
  });
  it('keeps metadata keys with commas, tag types and descriptions', () => {
    const back = formats.csv.read(formats.csv.write(sample()));
    expect(back.images[0]!.metadata).toEqual({ camera: 'A', 'note, with comma': 'x"y' });
    expect(back.tags).toEqual(sample().tags);
  });
});

describe('yolo', () => {
  it('reads an Ultralytics tree: data.yaml with a block list of names, labels beside images in subfolders', () => {
    const tree: FileTree = new Map([
      ['data.yaml', utf8('path: ../datasets/forks\ntrain: images/train\nnames:\n  0: fork\n  1: "spoon"\n')],
      ['images/train/x.jpg', photo('fork_1.jpg')],
      ['labels/train/x.txt', utf8('1 0.5 0.5 0.2 0.4\n0 0.25 0.25 0.1 0.1\n')],
      ['images/train/y.jpg', photo('fork_2.jpg')],
    ]);
    const d = formats.yolo.read(tree);
    expect(d.tags.map((t) => t.name)).toEqual(['fork', 'spoon']);
    const x = d.images.find((i) => i.file === 'x.jpg')!;
    expect(x.regions[0]!.tag).toBe('spoon');
    expect(x.regions[0]!.left).toBeCloseTo(0.4, 10);
    expect(x.regions[0]!.top).toBeCloseTo(0.3, 10);
    expect(x.tags.sort()).toEqual(['fork', 'spoon']);
    expect(d.images.find((i) => i.file === 'y.jpg')!.regions).toEqual([]);
  });
  it('drops the Negative tag and metadata, as announced', () => {
    const back = formats.yolo.read(formats.yolo.write(sample()));
    expect(back.tags.map((t) => t.name)).toEqual(['fork', 'scis, "sors"']);
    expect(back.images[0]!.metadata).toEqual({});
    expect(formats.yolo.cannotCarry.join()).toMatch(/metadata.*Negative/);
  });
  it('names the line of a label it cannot read', () => {
    const tree: FileTree = new Map([
      ['classes.txt', utf8('fork\n')],
      ['images/x.jpg', photo('fork_1.jpg')],
      ['labels/x.txt', utf8('0 0.5 0.5 0.2 0.4\n3 0.5 0.5 0.2 0.2\n')],
    ]);
    expect(() => formats.yolo.read(tree)).toThrow(/labels\/x.txt line 2/);
  });
});

describe('voc', () => {
  it('reads labelImg-style XML (attributes, extra fields) and takes the size from the image when it is missing', () => {
    const tree: FileTree = new Map([
      ['JPEGImages/x.jpg', photo('fork_1.jpg')],
      [
        'Annotations/x.xml',
        utf8(
          '<annotation verified="yes"><filename>x.jpg</filename><object><name>fork &amp; knife</name>' +
            '<bndbox><xmin>81.6</xmin><ymin>61.2</ymin><xmax>408</xmax><ymax>306</ymax></bndbox></object></annotation>',
        ),
      ],
    ]);
    const [x] = formats.voc.read(tree).images;
    expect(x!.width).toBe(816);
    const r = x!.regions[0]!;
    expect(r.tag).toBe('fork & knife');
    for (const [got, want] of [
      [r.left, 0.1],
      [r.top, 0.1],
      [r.width, 0.4],
      [r.height, 0.4],
    ])
      expect(got).toBeCloseTo(want!, 12);
  });
  it('escapes tag names in XML', () => {
    const d = sample();
    d.images[0]!.regions[0]!.tag = 'a<b>&"c"';
    d.images[0]!.tags = ['a<b>&"c"'];
    expect(formats.voc.read(formats.voc.write(d)).images[0]!.regions[0]!.tag).toBe('a<b>&"c"');
  });
});

describe('coco', () => {
  it('reads COCO written by other tools (no cvkit extras, file names with a folder)', () => {
    const json = {
      images: [{ id: 7, file_name: 'images/x.jpg', width: 816, height: 612 }],
      annotations: [{ id: 1, image_id: 7, category_id: 3, bbox: [81.6, 61.2, 326.4, 244.8], area: 1, iscrowd: 0 }],
      categories: [{ id: 3, name: 'fork', supercategory: 'cutlery' }],
    };
    const d = formats.coco.read(
      new Map([
        ['annotations.json', utf8(JSON.stringify(json))],
        ['images/x.jpg', photo('fork_1.jpg')],
      ]),
    );
    expect(d.images[0]!.regions[0]!.tag).toBe('fork');
    expect(d.images[0]!.regions[0]!.width).toBeCloseTo(0.4, 10);
  });
  it('keeps metadata, tag types and descriptions, and untagged images', () => {
    const back = formats.coco.read(formats.coco.write(sample()));
    expect(back.tags).toEqual(sample().tags);
    expect(back.images.map((i) => [i.file, i.metadata, i.regions.length])).toEqual([
      ['a.jpg', sample().images[0]!.metadata, 1],
      ['b.jpg', {}, 0],
    ]);
  });
});

describe('folders', () => {
  it('puts a multi-tag image in each of its folders and reads it back as one image; untagged at the top', () => {
    const d = sample();
    d.images[0]!.tags = ['fork', 'a/b'];
    const tree = formats.folders.write(d);
    expect([...tree.keys()].sort()).toEqual(['a%2Fb/a.jpg', 'b.jpg', 'fork/a.jpg']);
    const back = formats.folders.read(tree);
    expect(back.images.map((i) => [i.file, i.tags.sort()])).toEqual([
      ['a.jpg', ['a/b', 'fork']],
      ['b.jpg', []],
    ]);
  });
});

describe('the formats module', () => {
  it('imports no Node built-ins, so the portal can bundle it for browsers', () => {
    const dir = join(import.meta.dirname, '..', 'src', 'formats');
    for (const f of readdirSync(dir)) {
      const source = readFileSync(join(dir, f), 'utf8');
      expect(source, f).not.toMatch(/from '(node:|fs|path|crypto|buffer)/);
      expect(source, f).not.toMatch(/\bBuffer\b|\bprocess\./);
    }
  });
});
