// Reads a DICOM SEG the way OHIF does (dcmjs) and maps its frames onto source images.
// usage: node seg-to-sources.js seg.dcm source1.dcm source2.dcm ...   (NODE_PATH must reach dcmjs)
// prints JSON: per SEG frame the referenced source SOP Instance UID and its set pixels (count, sum of indices),
// and per source image what dcmjs' Cornerstone adapter put into its labelmap.
"use strict";
const fs = require("fs");
const dcmjs = require("dcmjs");

function load(path) {
  const buf = fs.readFileSync(path);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const dicomData = dcmjs.data.DicomMessage.readFile(ab);
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dicomData.dict);
  ds._meta = dcmjs.data.DicomMetaDictionary.namifyDataset(dicomData.meta);
  return { ab, ds };
}
const first = (x) => (Array.isArray(x) ? x[0] : x);
const nums = (x) => (Array.isArray(x) ? x : [x]).map(Number);

const [segPath, ...sourcePaths] = process.argv.slice(2);
if (!segPath || sourcePaths.length === 0) {
  console.error("usage: node seg-to-sources.js seg.dcm source1.dcm ...");
  process.exit(2);
}
const sources = sourcePaths.map((p) => ({ imageId: "dicomfile:" + p, ...load(p) }));
const byId = new Map(sources.map((s) => [s.imageId, s.ds]));
const metadataProvider = {
  get(type, imageId) {
    const ds = byId.get(imageId);
    if (!ds) return undefined;
    switch (type) {
      case "imagePlaneModule": {
        const iop = nums(ds.ImageOrientationPatient);
        return {
          rowCosines: iop.slice(0, 3), columnCosines: iop.slice(3, 6),
          imagePositionPatient: nums(ds.ImagePositionPatient), rows: ds.Rows, columns: ds.Columns,
          frameOfReferenceUID: ds.FrameOfReferenceUID, pixelSpacing: nums(ds.PixelSpacing),
        };
      }
      case "generalSeriesModule": return { seriesInstanceUID: ds.SeriesInstanceUID, modality: ds.Modality };
      case "imagePixelModule": return { rows: ds.Rows, columns: ds.Columns };
      case "sopCommonModule": return { sopInstanceUID: ds.SOPInstanceUID, sopClassUID: ds.SOPClassUID };
      case "instance": return { ...ds, ImagePositionPatient: nums(ds.ImagePositionPatient) };
      default: return undefined;
    }
  },
};

const seg = load(segPath);
const segDs = seg.ds;
const plane = segDs.Rows * segDs.Columns;
const bits = dcmjs.data.BitArray.unpack(first(segDs.PixelData));
const perFrame = segDs.PerFrameFunctionalGroupsSequence;
const frames = [];
for (let f = 0; f < segDs.NumberOfFrames; f++) {
  const fg = perFrame[f];
  const src = first(first(fg.DerivationImageSequence).SourceImageSequence);
  let count = 0, sum = 0;
  for (let p = 0; p < plane; p++) if (bits[f * plane + p]) { count++; sum += p; }
  frames.push({
    frame: f + 1,
    referencedSopInstanceUid: src.ReferencedSOPInstanceUID,
    segmentNumber: first(fg.SegmentIdentificationSequence).ReferencedSegmentNumber,
    imagePositionPatient: nums(first(fg.PlanePositionSequence).ImagePositionPatient),
    setPixels: count, indexSum: sum,
  });
}

const imageIds = sources.map((s) => s.imageId);
const toolState = dcmjs.adapters.Cornerstone.Segmentation.generateToolState(imageIds, seg.ab, metadataProvider);
const labelmap = new Uint16Array(toolState.labelmapBufferArray[0]);
const images = sources.map((s, i) => {
  let count = 0, sum = 0;
  for (let p = 0; p < plane; p++) if (labelmap[i * plane + p]) { count++; sum += p; }
  return { sopInstanceUid: s.ds.SOPInstanceUID, setPixels: count, indexSum: sum, segments: toolState.segmentsOnFrame[i] || [] };
});
const segments = (toolState.segMetadata.data || []).filter((x) => x).map((x) => ({
  number: x.SegmentNumber, label: x.SegmentLabel, algorithmType: x.SegmentAlgorithmType,
}));
console.log(JSON.stringify({ numberOfFrames: segDs.NumberOfFrames, segmentationType: segDs.SegmentationType, segments, frames, images }));
