namespace SkillInference.Monitoring;

/// <summary>Where monitoring reads rated pairs and keeps validation results and alerts (the batch database).</summary>
internal interface IMonitoringStore
{
    /// <summary>
    /// Pairs each teacher rating, in the database, with the assessment of the same student and skill closest in time to
    /// it (per model version and variant), within <paramref name="window"/> either side; one group per skill, version
    /// and variant that has assessments, in (skill, version, variant) order.
    /// </summary>
    Task<IReadOnlyList<RatedGroup>> ReadRatedPairsAsync(TimeSpan window, CancellationToken cancellationToken = default);

    /// <summary>Appends one evaluation's results (the time series).</summary>
    Task SaveValidationAsync(IReadOnlyList<ValidationResult> results, CancellationToken cancellationToken = default);

    /// <summary>The latest result of each skill, version and variant (of one skill, or of all).</summary>
    Task<IReadOnlyList<ValidationResult>> GetLatestValidationAsync(string? skill = null, CancellationToken cancellationToken = default);

    /// <summary>Every result evaluated at or after <paramref name="since"/>, oldest first.</summary>
    Task<IReadOnlyList<ValidationResult>> GetValidationHistoryAsync(DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>The open alert of a kind, skill and version, if any.</summary>
    Task<MonitoringAlert?> GetOpenAlertAsync(string kind, string skill, string modelVersion, CancellationToken cancellationToken = default);

    /// <summary>Stores a new open alert; false (nothing stored) when one of its kind, skill and version is open already.</summary>
    Task<bool> TryOpenAlertAsync(MonitoringAlert alert, CancellationToken cancellationToken = default);

    /// <summary>Replaces a stored alert's state, value, count of good evaluations and times.</summary>
    Task UpdateAlertAsync(MonitoringAlert alert, CancellationToken cancellationToken = default);

    /// <summary>The open alerts and those updated at or after <paramref name="since"/>, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<MonitoringAlert>> GetAlertsAsync(DateTimeOffset since, int limit, CancellationToken cancellationToken = default);
}
