namespace SkillInference.Trees;

/// <summary>What an XGBoost JSON model declares.</summary>
/// <param name="FeatureCount">The number of input features.</param>
/// <param name="FeatureNames">The feature names saved with the model, or null when it was trained without names.</param>
/// <param name="Booster"><c>gbtree</c> or <c>dart</c>.</param>
/// <param name="TreeCount">The trees that predictions use (after <c>best_iteration</c>, when early stopping set one).</param>
/// <param name="BaseScore">The base score (a probability).</param>
/// <param name="XGBoostVersion">The xgboost version that saved the model, e.g. <c>1.7.4</c>.</param>
/// <param name="BestIteration">The best iteration recorded by early stopping, or null.</param>
/// <param name="MaxDepth">The depth of the deepest tree.</param>
internal sealed record XGBoostModelInfo(
    int FeatureCount,
    IReadOnlyList<string>? FeatureNames,
    string Booster,
    int TreeCount,
    float BaseScore,
    string XGBoostVersion,
    int? BestIteration,
    int MaxDepth);
