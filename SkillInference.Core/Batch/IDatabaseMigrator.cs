namespace SkillInference.Batch;

/// <summary>Applies the batch database's schema migrations (embedded in the adapter) in order, once each.</summary>
internal interface IDatabaseMigrator
{
    /// <summary>
    /// Applies the migrations not yet applied and returns their names (empty when up to date). Safe to call from several
    /// processes at once: one applies, the others wait and find nothing to do.
    /// </summary>
    Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default);
}
