package org.ichnode.store;

import jakarta.persistence.*;
import java.time.Instant;

/**
 * A series row. Foreign keys are plain ids (no lazy associations) so detached copies handed to callers
 * are safe to read after the session is closed.
 */
@Entity
@Table(name = "series")
public class Series {
    @Id @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;
    @Column(name = "series_instance_uid", nullable = false, unique = true)
    private String seriesInstanceUid;
    @Column(name = "study_id", nullable = false)
    private Long studyId;
    private String modality;
    @Column(name = "body_part")
    private String bodyPart;
    @Column(name = "series_description")
    private String seriesDescription;
    @Column(name = "slice_thickness")
    private Double sliceThickness;
    @Column(name = "image_orientation")
    private String imageOrientation;
    @Column(name = "image_type")
    private String imageType;
    @Convert(converter = SeriesState.DbConverter.class)
    @Column(nullable = false)
    private SeriesState state;
    @Column(name = "state_reason")
    private String stateReason;
    @Column(name = "expected_count")
    private Integer expectedCount;
    @Column(name = "instance_count", nullable = false)
    private int instanceCount;
    @Column(name = "first_received_at", nullable = false)
    private Instant firstReceivedAt;
    @Column(name = "last_received_at", nullable = false)
    private Instant lastReceivedAt;
    @Column(name = "completed_at")
    private Instant completedAt;

    protected Series() {
    }

    public Long getId() { return id; }
    public String getSeriesInstanceUid() { return seriesInstanceUid; }
    public Long getStudyId() { return studyId; }
    public String getModality() { return modality; }
    public String getBodyPart() { return bodyPart; }
    public String getSeriesDescription() { return seriesDescription; }
    public Double getSliceThickness() { return sliceThickness; }
    public String getImageOrientation() { return imageOrientation; }
    public String getImageType() { return imageType; }
    public SeriesState getState() { return state; }
    public String getStateReason() { return stateReason; }
    public Integer getExpectedCount() { return expectedCount; }
    public int getInstanceCount() { return instanceCount; }
    public Instant getFirstReceivedAt() { return firstReceivedAt; }
    public Instant getLastReceivedAt() { return lastReceivedAt; }
    public Instant getCompletedAt() { return completedAt; }

    void setState(SeriesState state, String reason) {
        this.state = state;
        this.stateReason = reason;
    }

    void setExpectedCount(Integer expectedCount) { this.expectedCount = expectedCount; }
    void setInstanceCount(int instanceCount) { this.instanceCount = instanceCount; }
    void setLastReceivedAt(Instant lastReceivedAt) { this.lastReceivedAt = lastReceivedAt; }
    void setCompletedAt(Instant completedAt) { this.completedAt = completedAt; }
}
