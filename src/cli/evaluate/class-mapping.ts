// Which of the model's classes each dataset class is. Evaluation scores the model's own classes,
// so a dataset's labels are translated to the model's indices here, or refused with a message
// listing what the model knows.
//
// Images: with class names saved in the checkpoint, class folders are matched by name (a folder
// may hold a subset of the classes, in any order), or by class index for names no folder can
// carry ("T-shirt/top" is folder "0"). Without class names, torchvision's rule applies:
// folder i in sorted order is class i, so the folder and the head must have as many classes.
// Text: a label is a class name from the checkpoint (id2label), or a class index 0..K-1.
import { DataError } from '../../errors.js';

const list = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ');
/** A class index written as a name: "0", "7", "12". */
const INDEX = /^(0|[1-9][0-9]*)$/;

/** Model class index of each class folder (index = position in the folder's sorted class list). */
export function imageClassMap(
  folderClasses: readonly string[],
  head: { numClasses: number; classNames?: readonly string[] },
  where: { folder: string; weights: string },
): number[] {
  const { classNames, numClasses } = head;
  if (classNames !== undefined) {
    const indexOf = (c: string): number => (classNames.includes(c) ? classNames.indexOf(c) : INDEX.test(c) && Number(c) < numClasses ? Number(c) : -1);
    const unknown = folderClasses.filter((c) => indexOf(c) < 0);
    if (unknown.length > 0) {
      throw new DataError(
        `${where.folder}: class folder(s) ${list(unknown)} are not classes of the model in ${where.weights}, which knows ${list(classNames)} (or their indices 0-${numClasses - 1}). ` +
          `Name each class folder after the model class it holds, or evaluate the checkpoint trained on these classes.`,
      );
    }
    const mapped = folderClasses.map(indexOf);
    const twice = folderClasses.filter((c, i) => mapped.indexOf(mapped[i]) !== i);
    if (twice.length > 0) throw new DataError(`${where.folder}: class folder(s) ${list(twice)} name a class another folder already names (by name and by index); keep one folder per class.`);
    return mapped;
  }
  if (folderClasses.length !== numClasses) {
    throw new DataError(
      `${where.folder} has ${folderClasses.length} class folder(s) (${list(folderClasses)}) but the model in ${where.weights} has a ${numClasses}-class head. ` +
        `The checkpoint carries no class names, so folder i in sorted order is class i and the counts must match: ` +
        `evaluate on a folder with ${numClasses} class folders, or with the checkpoint trained on ${folderClasses.length === 1 ? 'this class' : `these ${folderClasses.length} classes`}.`,
    );
  }
  return folderClasses.map((_, i) => i);
}

/**
 * Model class index of each label of a text table (`tableClasses`: its distinct labels, record
 * label = position). `firstRow[i]` says where label i first occurs, for the error message.
 */
export function textLabelMap(
  tableClasses: readonly string[],
  modelClasses: readonly string[],
  where: { table: string; modelDir: string; firstRow: readonly string[]; namesFrom: 'id2label' | 'default' },
): number[] {
  const k = modelClasses.length;
  const unknown: string[] = [];
  const map = tableClasses.map((label, i) => {
    const byName = modelClasses.indexOf(label);
    if (byName >= 0) return byName;
    if (INDEX.test(label) && Number(label) < k) return Number(label);
    unknown.push(`"${label}" (first at ${where.firstRow[i]})`);
    return -1;
  });
  if (unknown.length > 0) {
    throw new DataError(
      `${where.table}: label(s) ${unknown.join(', ')} are not classes of the model in ${where.modelDir}. ` +
        `Known labels: ${list(modelClasses)} (${where.namesFrom === 'id2label' ? 'from config.json id2label' : "Hugging Face's default names: config.json has no id2label"}), or their indices 0-${k - 1}. Fix the labels, or evaluate the checkpoint trained on them.`,
    );
  }
  return map;
}
