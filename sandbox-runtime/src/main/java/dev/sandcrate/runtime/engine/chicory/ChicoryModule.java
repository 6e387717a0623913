package dev.sandcrate.runtime.engine.chicory;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.InvocationRunner;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxLimits;
import java.util.Optional;
import java.util.function.Function;

final class ChicoryModule implements MacroModule {

    private final ArtifactAbi.CheckedModule checked;
    private final Function<Instance, Machine> machines;
    private final SandboxLimits limits;
    private final InvocationRunner runner;

    ChicoryModule(ArtifactAbi.CheckedModule checked, Function<Instance, Machine> machines, SandboxLimits limits,
                  InvocationRunner runner) {
        this.checked = checked;
        this.machines = machines;
        this.limits = limits;
        this.runner = runner;
    }

    @Override
    public String sha256() {
        return checked.sha256();
    }

    @Override
    public Optional<String> manifestJson() {
        return checked.manifestJson();
    }

    @Override
    public MacroInstance instantiate() throws SandboxException {
        return ChicoryInstance.create(checked, machines, limits, runner);
    }
}
