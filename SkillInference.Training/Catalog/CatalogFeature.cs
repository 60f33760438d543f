using SkillInference.Schema;
using SkillInference.Training;

namespace SkillInference.Catalog;

/// <summary>A feature defined by a catalog.</summary>
/// <param name="Spec">Its schema entry (skills may override <c>required</c> and <c>missing</c>).</param>
/// <param name="Synthetic">How the synthetic generator produces it; null when not generated.</param>
public sealed record CatalogFeature(FeatureSpec Spec, SyntheticFeatureModel? Synthetic);
