using SkillInference.Bundles;

namespace SkillInference.Training;

/// <summary>A trained model and how training went.</summary>
/// <param name="Bundle">The bundle, ready to publish.</param>
/// <param name="Duration">The wall-clock training time.</param>
/// <param name="RowsWithoutLabel">Rows skipped because their label was missing.</param>
public sealed record TrainingResult(ModelBundle Bundle, TimeSpan Duration, int RowsWithoutLabel);
