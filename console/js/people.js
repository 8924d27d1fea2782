/*
 * people.js - (being written by helper C)
 */
