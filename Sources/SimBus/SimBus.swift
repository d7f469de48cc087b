// SimBus
