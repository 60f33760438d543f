namespace SkillInference.Batch;

/// <summary>Where the batch worker reads students' features (<c>student_features</c>).</summary>
/// <remarks>Implementations throw <see cref="BatchStoreException"/> for database failures, classified transient or permanent.</remarks>
internal interface IFeatureSource
{
    /// <summary>
    /// A run's change watermark, assigned by the database: every change of <c>student_features</c> that is not visible
    /// now (not yet written, or not yet committed) will have a change sequence at or after it.
    /// </summary>
    Task<long> GetChangeWatermarkAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The ids of the selected students in ascending ordinal order (the order keyset ranges are cut in). Incremental:
    /// students whose change sequence is at or after <see cref="StudentSelection.ChangedSince"/>, that have no assessment
    /// of some skill in <see cref="StudentSelection.ServingVersions"/> by one of that skill's versions, or that have an
    /// item whose failure was not permanent.
    /// </summary>
    IAsyncEnumerable<string> ListStudentIdsAsync(StudentSelection selection, CancellationToken cancellationToken = default);

    /// <summary>The selected students of a shard's keyset range, in id order, in one query, as one columnar block.</summary>
    Task<StudentFeatureBlock> ReadShardAsync(ShardTask shard, CancellationToken cancellationToken = default);

    /// <summary>Some students by id, in id order, in one query (re-reads for retries), as one columnar block; ids not found are left out.</summary>
    Task<StudentFeatureBlock> ReadStudentsAsync(IReadOnlyCollection<string> studentIds, CancellationToken cancellationToken = default);
}
