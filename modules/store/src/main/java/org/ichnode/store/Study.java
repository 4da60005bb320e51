package org.ichnode.store;

import jakarta.persistence.*;
import java.time.Instant;
import java.time.LocalDate;

/** A study row. Only the store writes it; callers get read-only (detached) copies. */
@Entity
@Table(name = "study")
public class Study {
    @Id @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;
    @Column(name = "study_instance_uid", nullable = false, unique = true)
    private String studyInstanceUid;
    @Column(name = "patient_id")
    private String patientId;
    @Column(name = "accession_number")
    private String accessionNumber;
    @Column(name = "study_date")
    private LocalDate studyDate;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected Study() {
    }

    public Long getId() { return id; }
    public String getStudyInstanceUid() { return studyInstanceUid; }
    public String getPatientId() { return patientId; }
    public String getAccessionNumber() { return accessionNumber; }
    public LocalDate getStudyDate() { return studyDate; }
    public Instant getCreatedAt() { return createdAt; }
}
