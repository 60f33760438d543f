namespace SkillInference.Batch;

/// <summary>Where the batch worker reads students' features (<c>student_features</c>).</summary>
/// <remarks>Implementations throw <see cref="BatchStoreException"/> for database failures, classified transient or permanent.</remarks>
internal interface IFeatureSource
{
    /// <summary>The newest <c>updated_at</c> of any student; null when there is none. A run's watermark.</summary>
    Task<DateTimeOffset?> GetLatestUpdateAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The ids of the selected students in ascending ordinal order (the order keyset ranges are cut in). Incremental:
    /// students whose <c>updated_at</c> is after <see cref="StudentSelection.ChangedAfter"/>, or that have no assessment
    /// of some skill in <see cref="StudentSelection.ServingVersions"/> by one of that skill's versions.
    /// </summary>
    IAsyncEnumerable<string> ListStudentIdsAsync(StudentSelection selection, CancellationToken cancellationToken = default);

    /// <summary>The selected students of a shard's keyset range, in id order, in one query, as one columnar block.</summary>
    Task<StudentFeatureBlock> ReadShardAsync(ShardTask shard, CancellationToken cancellationToken = default);

    /// <summary>Some students by id, in id order, in one query (re-reads for retries), as one columnar block; ids not found are left out.</summary>
    Task<StudentFeatureBlock> ReadStudentsAsync(IReadOnlyCollection<string> studentIds, CancellationToken cancellationToken = default);
}
