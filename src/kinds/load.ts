// Finding a backbone: the embedded default of a modality, any directory written by `adaptlab
// pretrain` (it holds manifest.json, which names its kind), or a checkpoint in the ecosystem's
// layout that the modality's kind reads (a torchvision-style ResNet file, a Hugging Face BERT
// directory).
//
//   const b = loadBackbone(embeddedBackboneDir('vision'));
//   const model = b.buildModel('pretrained', seed, 10, names); // backbone weights + new 10-class head
//   const table = await b.table(records);                        // records prepared as b expects
//
// buildModel('random', ...) gives the same architecture freshly initialised from the seed: the
// control every transfer claim is measured against.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DataError, UsageError } from '../errors.js';
import type { Modality } from '../record/vocabulary.js';
import { MANIFEST_FILE, readManifest, regenerateHint, type BackboneManifest } from '../pretrain/manifest.js';
import { PACKAGE_ROOT } from '../pretrain/provenance.js';
import { kindOf, type AnyBackbone } from './registry.js';

/** <package root>/backbones/<modality>: where `adaptlab pretrain` writes by default and the lab reads from. */
export function embeddedBackboneDir(modality: Modality): string {
  return join(PACKAGE_ROOT, 'backbones', modality);
}

/** Checks the weights file exists and is the one the manifest describes (not a truncated copy or an LFS pointer). */
function checkedWeights(dir: string, manifest: BackboneManifest): string {
  const path = join(dir, manifest.weights.file);
  const fix = regenerateHint(manifest.kind, dir);
  if (!existsSync(path)) throw new DataError(`${dir}: the manifest names weights ${manifest.weights.file}, which is missing. Restore the file or ${fix}.`);
  const bytes = readFileSync(path);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (typeof manifest.weights.sha256 === 'string' && sha !== manifest.weights.sha256) {
    throw new DataError(
      `${path} is not the file its manifest describes: expected sha256 ${manifest.weights.sha256} (${manifest.weights.bytes} bytes), found ${sha} (${bytes.length} bytes). ` +
        `The file was replaced, truncated or checked out as a Git LFS pointer; restore it (e.g. \`git lfs pull\`) or ${fix}.`,
    );
  }
  return path;
}

/** A backbone loaded from a directory written by `adaptlab pretrain`, with its manifest. */
export type LoadedBackbone = AnyBackbone & { manifest: BackboneManifest; dir: string };

/** A backbone directory written by `adaptlab pretrain`, loaded by the kind its manifest names. */
export function loadBackbone(dir: string): LoadedBackbone {
  const manifest = readManifest(dir);
  const weightsPath = checkedWeights(dir, manifest);
  const key = `${manifest.kind}:${manifest.arch}:${manifest.weights.sha256}`;
  return Object.assign(kindOf(manifest.kind).fromManifest(dir, manifest, weightsPath, key) as AnyBackbone, { manifest, dir });
}

/**
 * The backbone for `modality`: the embedded default (no `path`), a directory written by
 * `adaptlab pretrain` (it holds manifest.json), or a checkpoint the modality's kind reads
 * (`arch`, `imageSize`: what a torchvision ResNet file needs to be told).
 */
export async function resolveBackbone(modality: Modality, path?: string, arch?: string, imageSize?: number): Promise<AnyBackbone> {
  if (path === undefined) {
    const b = loadBackbone(embeddedBackboneDir(modality));
    if (b.modality !== modality) throw new ConfigError(`${b.dir}: its manifest says ${b.modality}, expected a ${modality} backbone`);
    return b;
  }
  if (!existsSync(path)) throw new UsageError(`--backbone ${path} does not exist; expected a .safetensors ResNet checkpoint (with --arch), a Hugging Face BERT directory or a backbone directory written by adaptlab pretrain`);
  if (statSync(path).isDirectory() && existsSync(join(path, MANIFEST_FILE))) {
    const b = loadBackbone(path);
    if (b.modality !== modality) {
      throw new UsageError(`--backbone ${path} is a ${b.modality} backbone (its ${MANIFEST_FILE} says so), not a ${modality} one; pass it with --modality ${b.modality}`);
    }
    if (arch !== undefined && arch !== b.manifest.arch) {
      throw new UsageError(`--arch ${arch} disagrees with --backbone ${path}, whose ${MANIFEST_FILE} says ${b.manifest.arch}; drop --arch (a backbone directory says its own)`);
    }
    return b;
  }
  return kindOf(modality).fromCheckpoint(path, { arch, imageSize }) as AnyBackbone;
}
