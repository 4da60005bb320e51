package org.ichnode.core.volume;

import org.ichnode.core.json.Json;

import java.util.Objects;
import java.util.Optional;

/** Outcome of assembling a series: a {@link Volume} with diagnostics, or a refusal with a reason (and diagnostics as
 *  far as assembly got). */
public final class AssemblyResult {
    private final Volume volume;
    private final String refusalReason;
    private final AssemblyDiagnostics diagnostics;

    private AssemblyResult(Volume volume, String refusalReason, AssemblyDiagnostics diagnostics) {
        this.volume = volume;
        this.refusalReason = refusalReason;
        this.diagnostics = diagnostics;
    }

    public static AssemblyResult accepted(Volume volume, AssemblyDiagnostics diagnostics) {
        return new AssemblyResult(Objects.requireNonNull(volume), null, Objects.requireNonNull(diagnostics));
    }

    /** @param diagnostics may be null when nothing could be examined (e.g. a file could not be read) */
    public static AssemblyResult refused(String reason, AssemblyDiagnostics diagnostics) {
        return new AssemblyResult(null, Objects.requireNonNull(reason), diagnostics);
    }

    public boolean isAccepted() { return volume != null; }
    public Optional<Volume> volume() { return Optional.ofNullable(volume); }
    public Optional<String> refusalReason() { return Optional.ofNullable(refusalReason); }
    public Optional<AssemblyDiagnostics> diagnostics() { return Optional.ofNullable(diagnostics); }

    /** The volume; throws {@link IllegalStateException} with the refusal reason when refused. */
    public Volume volumeOrThrow() {
        if (volume == null) throw new IllegalStateException("series refused: " + refusalReason);
        return volume;
    }

    public String toJson() {
        Json j = new Json().beginObject().field("accepted", isAccepted()).field("refusalReason", refusalReason);
        j.raw("diagnostics", diagnostics == null ? "null" : diagnostics.toJson());
        return j.endObject().toString();
    }

    @Override public String toString() {
        return isAccepted() ? "AssemblyResult[accepted, " + volume.slices() + " slices]"
                : "AssemblyResult[refused: " + refusalReason + "]";
    }
}
