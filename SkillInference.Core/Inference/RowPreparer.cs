using SkillInference.Schema;

namespace SkillInference.Inference;

/// <summary>Prepares one batch item's model input row; false (with errors) when its features are invalid.</summary>
internal delegate bool RowPreparer(int item, Span<float> row, Span<double> used, Span<bool> imputed, ref List<FeatureError>? errors);
