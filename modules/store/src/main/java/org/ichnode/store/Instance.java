package org.ichnode.store;

import jakarta.persistence.*;
import java.time.Instant;

/** One received SOP instance and the spool file that holds it. */
@Entity
@Table(name = "instance")
public class Instance {
    @Id @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;
    @Column(name = "sop_instance_uid", nullable = false, unique = true)
    private String sopInstanceUid;
    @Column(name = "series_id", nullable = false)
    private Long seriesId;
    @Column(name = "sop_class_uid")
    private String sopClassUid;
    @Column(name = "transfer_syntax_uid")
    private String transferSyntaxUid;
    @Column(name = "file_path", nullable = false)
    private String filePath;
    @Column(name = "size_bytes", nullable = false)
    private long sizeBytes;
    @Column(nullable = false)
    private String sha256;
    @Column(name = "received_at", nullable = false)
    private Instant receivedAt;
    @Column(name = "calling_ae")
    private String callingAe;

    protected Instance() {
    }

    Instance(NewInstance n, long seriesId, Instant receivedAt) {
        this.sopInstanceUid = n.sopInstanceUid();
        this.seriesId = seriesId;
        this.sopClassUid = n.sopClassUid();
        this.transferSyntaxUid = n.transferSyntaxUid();
        this.filePath = n.filePath();
        this.sizeBytes = n.sizeBytes();
        this.sha256 = n.sha256();
        this.receivedAt = receivedAt;
        this.callingAe = n.callingAe();
    }

    public Long getId() { return id; }
    public String getSopInstanceUid() { return sopInstanceUid; }
    public Long getSeriesId() { return seriesId; }
    public String getSopClassUid() { return sopClassUid; }
    public String getTransferSyntaxUid() { return transferSyntaxUid; }
    public String getFilePath() { return filePath; }
    public long getSizeBytes() { return sizeBytes; }
    public String getSha256() { return sha256; }
    public Instant getReceivedAt() { return receivedAt; }
    public String getCallingAe() { return callingAe; }

    /** Latest file wins for a re-sent instance whose content differs. */
    void replaceFile(NewInstance n, Instant receivedAt) {
        this.filePath = n.filePath();
        this.sizeBytes = n.sizeBytes();
        this.sha256 = n.sha256();
        this.transferSyntaxUid = n.transferSyntaxUid();
        this.callingAe = n.callingAe();
        this.receivedAt = receivedAt;
    }
}
