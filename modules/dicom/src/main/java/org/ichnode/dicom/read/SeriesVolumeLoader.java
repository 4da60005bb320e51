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
        // files are independent: read them on all cores (decoding dominates); order does not matter to the assembler
        List<List<CtSlice>> read = new ArrayList<>(java.util.Collections.nCopies(files.size(), (List<CtSlice>) null));
        String[] failure = new String[1];
        java.util.stream.IntStream.range(0, files.size()).parallel().forEach(i -> {
            try {
                read.set(i, CtSliceReader.read(files.get(i)));
            } catch (IOException e) {
                synchronized (failure) {
                    if (failure[0] == null) failure[0] = e.getMessage();
                }
            }
        });
        if (failure[0] != null) return AssemblyResult.refused("cannot read " + failure[0], null);
        List<CtSlice> slices = new ArrayList<>();
        read.forEach(slices::addAll);
        return assembler.assemble(slices);
    }
}
