namespace SkillInference.Inference;

/// <summary>
/// Runs once before the first model load, e.g. to publish sample bundles into an empty store.
/// The background reload service awaits every registered initializer; a failure is logged and serving goes on.
/// </summary>
internal interface IModelStoreInitializer
{
    /// <summary>Prepares the store.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);
}
