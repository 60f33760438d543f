using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Registry;

/// <summary>The store contract on the file-system store (a fresh folder per test; two instances over one folder as two processes).</summary>
[TestClass]
public sealed class FileSystemModelStoreContractTests : ConditionalWriteContractTests
{
    protected override Task<IModelStore> CreateStoreAsync() => Task.FromResult<IModelStore>(new FileSystemModelStore(TempDirectory.Create("contract")));

    protected override IModelStore OpenAgain(IModelStore store) => new FileSystemModelStore(store.Location);
}
