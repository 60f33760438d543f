namespace SkillInference.Host.Configuration;

/// <summary>The in-process daily batch run (<c>SkillInference:Batch:Schedule</c>).</summary>
public sealed class BatchScheduleOptions
{
    /// <summary>Run once a day at <see cref="TimeOfDayUtc"/>. With several instances each may try; only one run runs at a time.</summary>
    /// <value>Defaults to false.</value>
    public bool Enabled { get; set; }

    /// <summary>When, in UTC.</summary>
    /// <value>Defaults to 02:00:00.</value>
    public TimeSpan TimeOfDayUtc { get; set; } = TimeSpan.FromHours(2);

    /// <summary>The run's mode.</summary>
    /// <value>Defaults to <see cref="SkillInference.Batch.BatchMode.Incremental"/>.</value>
    public SkillInference.Batch.BatchMode Mode { get; set; } = SkillInference.Batch.BatchMode.Incremental;
}
