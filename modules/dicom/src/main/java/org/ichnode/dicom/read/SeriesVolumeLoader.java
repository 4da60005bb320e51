package org.ichnode.dicom.read;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ichnode.core.volume.AssemblyOptions;
import org.ichnode.core.volume.AssemblyResult;
import org.ichnode.core.volume.CtSlice;
import org.ichnode.core.volume.VolumeAssembler;

/** Reads the files of one series and assembles them into a volume. A file that cannot be read refuses the series
 *  with a reason that names the file. */
public final class SeriesVolumeLoader {
    private final VolumeAssembler assembler;

    public SeriesVolumeLoader() { this(AssemblyOptions.defaults()); }

    public SeriesVolumeLoader(AssemblyOptions options) { this.assembler = new VolumeAssembler(options); }

    public AssemblyResult load(List<Path> files) {
        List<CtSlice> slices = new ArrayList<>();
        for (Path f : files) {
            try {
                slices.addAll(CtSliceReader.read(f));
            } catch (IOException e) {
                return AssemblyResult.refused("cannot read " + e.getMessage(), null);
            }
        }
        return assembler.assemble(slices);
    }
}
