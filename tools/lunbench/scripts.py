"""The tools beside this package that have no .py suffix (bench-matrix, plot-results, compare),
loaded as modules, so that one tool reuses another's machinery instead of copying it."""
import importlib.machinery
import importlib.util
import os

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(name):
    """tools/<name> as a module (named with '_' for '-')."""
    loader = importlib.machinery.SourceFileLoader(name.replace("-", "_"), os.path.join(TOOLS, name))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module
