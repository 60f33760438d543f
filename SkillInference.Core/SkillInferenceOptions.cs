using System.ComponentModel.DataAnnotations;
using SkillInference.Engines;

namespace SkillInference;

/// <summary>Options of the inference service (configuration section <c>SkillInference</c>).</summary>
public sealed class SkillInferenceOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "SkillInference";

    /// <summary>How often the registry is checked for a changed deployment.</summary>
    /// <value>Defaults to 30 seconds. At least 1 second.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Which engine scores the bundles (see <see cref="ScoringEngine"/> for what each means per format).
    /// <see cref="ScoringEngine.Reference"/> scores through ML.NET, to check or sidestep the compiled evaluator; a bundle
    /// the chosen engine cannot serve fails to load, with a message that says so.
    /// </summary>
    /// <value>Defaults to <see cref="ScoringEngine.Auto"/>: the fastest available.</value>
    public ScoringEngine Engine { get; set; } = ScoringEngine.Auto;

    /// <summary>How long a replaced model stays alive for requests already using it before it is disposed.</summary>
    /// <value>Defaults to 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetiredModelGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most items one batch call may carry.</summary>
    /// <value>Defaults to 10,000.</value>
    [Range(1, 1_000_000)]
    public int MaxBatchSize { get; set; } = 10_000;
}
